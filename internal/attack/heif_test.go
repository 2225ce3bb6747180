//go:build attack

package attack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLyingHEIF: AVIFs and HEICs whose ispe box lies about the size their
// codec's headers give are refused from those headers, before the
// decoder allocates for the real picture; one whose coded data is noise
// is refused too.
func TestLyingHEIF(t *testing.T) {
	dir := t.TempDir()
	// An AVIF of a flat 12000×9000 picture (1.5 KB), told to be 64×48.
	big := encode(t, dir, "avifenc", flatPNG(t, dir, 12000, 9000), "big.avif", "-s", "10", "--min", "40", "--max", "63")
	lyingAVIF := setISPE(t, big, 64, 48)
	// A 400×400 HEIC told to be 100000×1.
	heic := encode(t, dir, "heif-enc", flatPNG(t, dir, 400, 400), "small.heic", "-q", "50")
	lyingHEIC := setISPE(t, heic, 100000, 1)
	// A 640×480 AVIF whose coded data is noise.
	avif := encode(t, dir, "avifenc", flatPNG(t, dir, 640, 480), "small.avif", "-s", "10")
	noisy := noiseMdat(t, avif)

	s := start(t, "-heic")
	for _, tc := range []struct {
		name   string
		n      int
		body   []byte
		detail string
	}{
		{fmt.Sprintf("4 × upload of a %d-byte AVIF: ispe 64×48, AV1 frame 12000×9000", len(lyingAVIF)), 4, lyingAVIF, "contradicts itself"},
		{"upload of a HEIC: ispe 100000×1, HEVC picture 400×400", 1, lyingHEIC, "contradicts itself"},
		{"upload of an AVIF whose media data is noise", 1, noisy, "does not decode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cpu0 := s.cpu()
			defer func() {
				// Refused from the headers: no decode ran.
				if cpu := s.cpu() - cpu0; cpu > time.Duration(tc.n)*time.Second {
					t.Errorf("refusing took %v of CPU, want under a second each", cpu)
				}
			}()
			s.attack(tc.name, []int{422}, func(tl *tally) {
				parallel(tc.n, func(int) {
					_, b := s.do(s.req("POST", "/images", "image/avif", bytes.NewReader(tc.body)), tl)
					if !strings.Contains(string(b), tc.detail) {
						t.Errorf("the answer does not say %q: %s", tc.detail, b)
					}
				})
			})
		})
	}
	if files, _ := filepath.Glob(filepath.Join(s.data, "images", "*.png")); len(files) > 0 {
		t.Errorf("%d images stored, want none", len(files))
	}
}

// flatPNG writes a w×h PNG of one colour to dir and returns its path.
func flatPNG(t *testing.T, dir string, w, h int) string {
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, 1+3*w)
	for x := range w {
		copy(row[1+3*x:], []byte{0x33, 0x66, 0x99})
	}
	for range h {
		z.Write(row)
	}
	z.Close()
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2
	png := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	png = append(append(png, pngChunk("IDAT", idat.Bytes())...), pngChunk("IEND", nil)...)
	path := filepath.Join(dir, fmt.Sprintf("flat-%dx%d.png", w, h))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// encode runs a Debian encoder (libavif-bin's avifenc, libheif-examples'
// heif-enc; .ci/run installs both) on in, and returns what it wrote.
func encode(t *testing.T, dir, tool, in, out string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing in CI: .ci/run installs it", tool)
		}
		t.Skipf("%s is missing: apt-get install libavif-bin libheif-examples", tool)
	}
	var cmd *exec.Cmd
	if tool == "heif-enc" {
		cmd = exec.Command(tool, append(args, in, "-o", filepath.Join(dir, out))...)
	} else {
		cmd = exec.Command(tool, append(args, in, filepath.Join(dir, out))...)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, b)
	}
	b, err := os.ReadFile(filepath.Join(dir, out))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setISPE rewrites the first ispe box of an ISOBMFF image to say w×h.
func setISPE(t *testing.T, file []byte, w, h int) []byte {
	out := bytes.Clone(file)
	i := bytes.Index(out, []byte("ispe"))
	if i < 4 {
		t.Fatal("no ispe box")
	}
	binary.BigEndian.PutUint32(out[i+8:], uint32(w))
	binary.BigEndian.PutUint32(out[i+12:], uint32(h))
	return out
}

// noiseMdat fills an ISOBMFF file's mdat box with noise.
func noiseMdat(t *testing.T, file []byte) []byte {
	out := bytes.Clone(file)
	i := bytes.Index(out, []byte("mdat"))
	if i < 4 {
		t.Fatal("no mdat box")
	}
	n := int(binary.BigEndian.Uint32(out[i-4:]))
	copy(out[i+4:i-4+n], noise(n - 8)[8:])
	return out
}

// TestAVIFUploadsInParallel: 8 uploads at once of a 3 MP 10-bit AVIF of
// noise, opaque and with alpha (the most an AVIF takes a pixel: its alpha
// item is decoded as a picture of its own), stay within the budget; each
// is stored or waits its turn. The WebAssembly decoder's memory is a
// mapping of its own, outside what Go's memory limit sees: admission
// counts it with the encoding after it, and this holds the sum to the
// budget while the last upload's garbage is still in Go's heap.
func TestAVIFUploadsInParallel(t *testing.T) {
	dir := t.TempDir()
	const w, h = 2000, 1500
	in := filepath.Join(dir, "noise.png")
	if err := os.WriteFile(in, noisePNG(t, w, h), 0o644); err != nil {
		t.Fatal(err)
	}
	opaque := encode(t, dir, "avifenc", in, "opaque.avif", "-s", "10", "-d", "10", "--min", "20", "--max", "30")
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 7 / 3)
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "alpha.png"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	alpha := encode(t, dir, "avifenc", filepath.Join(dir, "alpha.png"), "alpha.avif", "-s", "10", "-d", "10", "--min", "20", "--max", "30")
	s := start(t)
	for _, c := range []struct {
		name string
		body []byte
	}{{"opaque", opaque}, {"with alpha", alpha}} {
		stored := 0
		var mu sync.Mutex
		s.attack(fmt.Sprintf("8 × upload of a %d-byte 3 MP 10-bit AVIF, %s", len(c.body), c.name), []int{200, 201, 503}, func(tl *tally) {
			parallel(8, func(int) {
				resp, _ := s.do(s.req("POST", "/images", "image/avif", bytes.NewReader(c.body)), tl)
				if resp != nil && resp.StatusCode < 300 {
					mu.Lock()
					stored++
					mu.Unlock()
				}
			})
		})
		if stored == 0 {
			t.Errorf("%s: no upload was stored", c.name)
		}
	}
}
