package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// magick runs ImageMagick's convert with args in dir, or skips (fails under
// CI) when it is not installed.
func magick(t *testing.T, dir string, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("convert")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ImageMagick's convert is not installed")
		}
		t.Skip("ImageMagick's convert is not installed")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("convert %v: %v\n%s", args, err, out)
	}
}

// webpWithOrientation turns a simple (lossless, VP8L) WebP into the extended
// format with an EXIF chunk carrying orientation o, as cameras and phones
// write it: VP8X (with the EXIF flag and the canvas size), the image, EXIF.
func webpWithOrientation(t *testing.T, simple []byte, w, h int, o byte, prefix bool) []byte {
	t.Helper()
	if string(simple[:4]) != "RIFF" || string(simple[8:12]) != "WEBP" || string(simple[12:16]) != "VP8L" {
		t.Fatalf("not a simple lossless WebP: % x", simple[:16])
	}
	chunk := func(id string, payload []byte) []byte {
		c := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
		c = append(c, payload...)
		if len(payload)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	vp8x := make([]byte, 10)
	vp8x[0] = 0x08 // EXIF
	vp8x[4], vp8x[5], vp8x[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	vp8x[7], vp8x[8], vp8x[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	exif := []byte("II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00" + string([]byte{o}) + "\x00\x00\x00\x00\x00\x00\x00")
	if prefix {
		exif = append([]byte("Exif\x00\x00"), exif...)
	}
	body := append([]byte("WEBP"), chunk("VP8X", vp8x)...)
	body = append(body, simple[12:]...) // the VP8L chunk as it was
	body = append(body, chunk("EXIF", exif)...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// TestOrientationOfEveryFormat: WebP (EXIF chunk) and TIFF (its own
// Orientation tag) are turned upright like JPEG, from files ImageMagick
// writes: a 4×2 picture whose left half is red, tagged "rotate 90° clockwise
// to view" (orientation 6), decodes 2×4 with the red at the top.
func TestOrientationOfEveryFormat(t *testing.T) {
	dir := t.TempDir()
	magick(t, dir, "-size", "2x2", "xc:red", "-size", "2x2", "xc:blue", "+append", "-orient", "RightTop", "o6.tif")
	magick(t, dir, "-size", "2x2", "xc:red", "-size", "2x2", "xc:blue", "+append", "-define", "webp:lossless=true", "plain.webp")
	tif, err := os.ReadFile(filepath.Join(dir, "o6.tif"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile(filepath.Join(dir, "plain.webp"))
	if err != nil {
		t.Fatal(err)
	}
	red := func(c color.Color) bool { r, g, b, _ := c.RGBA(); return r > 0xf000 && g < 0x1000 && b < 0x1000 }
	for name, data := range map[string][]byte{
		"tiff":              tif,
		"webp":              webpWithOrientation(t, plain, 4, 2, 6, false),
		"webp, Exif prefix": webpWithOrientation(t, plain, 4, 2, 6, true),
	} {
		d, err := Decode(data, Limits{MaxPixels: 100})
		img := d.Image
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if img.Bounds().Size() != image.Pt(2, 4) {
			t.Errorf("%s: decoded %v, want 2×4 (turned upright)", name, img.Bounds().Size())
			continue
		}
		if !red(img.At(img.Bounds().Min.X, img.Bounds().Min.Y)) || red(img.At(img.Bounds().Min.X, img.Bounds().Max.Y-1)) {
			t.Errorf("%s: red is not at the top after turning", name)
		}
	}
	// No orientation, a bad one, and every truncation: upright as is, no panic.
	if o := webpOrientation(plain); o != 1 {
		t.Errorf("a WebP without EXIF: orientation %d", o)
	}
	if o := webpOrientation(webpWithOrientation(t, plain, 4, 2, 9, false)); o != 1 {
		t.Errorf("orientation 9: read %d, want 1", o)
	}
	full := webpWithOrientation(t, plain, 4, 2, 6, true)
	for n := range len(full) {
		webpOrientation(full[:n])
	}
	for n := range len(tif) {
		tiffOrientation(tif[:n])
	}
	if !bytes.Equal(full[:4], []byte("RIFF")) {
		t.Fatal("not RIFF")
	}
}
