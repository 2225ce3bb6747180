package imaging

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// TestLossyWebPAgainstDwebp: lossy WebPs that libwebp's cwebp writes, with
// and without alpha, decode as libwebp's dwebp decodes them (BT.601
// limited range, chroma upsampled 9:3:3:1), and as close to their source.
func TestLossyWebPAgainstDwebp(t *testing.T) {
	needTools(t, "cwebp", "dwebp")
	dir := t.TempDir()
	src := colourtest.Chart(301, 203) // odd sizes: the last chroma column and row
	for _, c := range []struct {
		name  string
		alpha bool
	}{{"opaque", false}, {"with alpha", true}} {
		t.Run(c.name, func(t *testing.T) {
			m := image.NewNRGBA(src.Rect)
			copy(m.Pix, src.Pix)
			if c.alpha {
				for y := range m.Rect.Dy() {
					for x := range m.Rect.Dx() {
						m.Pix[y*m.Stride+4*x+3] = uint8(255 - x*200/m.Rect.Dx())
					}
				}
			}
			var buf bytes.Buffer
			png.Encode(&buf, m)
			os.WriteFile(filepath.Join(dir, "in.png"), buf.Bytes(), 0o644)
			colourtest.Run(t, dir, "cwebp", "-quiet", "-q", "80", "-exact", "in.png", "-o", "out.webp")
			colourtest.Run(t, dir, "dwebp", "-quiet", "out.webp", "-o", "ref.png")
			d, ref := decodeWithReference(t, dir, "out.webp", "ref.png", Limits{MaxPixels: 1 << 20})
			got := Normalize(d.Image)
			q, maxDiff := colourtest.PSNR(opaque(got), opaque(ref))
			t.Logf("against dwebp: %.1f dB, largest difference %d", q, maxDiff)
			if q < 45 {
				t.Errorf("against dwebp: %.1f dB < 45 (largest difference %d)", q, maxDiff)
			}
			qGot, _ := colourtest.PSNR(opaque(got), opaque(m))
			qRef, _ := colourtest.PSNR(opaque(ref), opaque(m))
			t.Logf("from the source: pngd %.1f dB, dwebp %.1f dB", qGot, qRef)
			if qGot < qRef-0.5 {
				t.Errorf("from the source: pngd %.1f dB, dwebp %.1f dB; want within 0.5 dB", qGot, qRef)
			}
		})
	}
}

// opaque composes m over black, so that PSNR compares what is seen.
func opaque(m image.Image) image.Image {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			r, g, bl, _ := m.At(b.Min.X+x, b.Min.Y+y).RGBA()
			out.SetRGBA(x, y, color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255})
		}
	}
	return out
}
