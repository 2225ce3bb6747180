package imaging

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gen2brain/jpegn"
)

// jpegTolerance is the most a sample of jpegn's decoding may differ from
// image/jpeg's, in 8-bit RGB: the two IDCTs round differently (measured
// on Go's own test JPEGs: at most 3).
const jpegTolerance = 4

// stdlibJPEGs are Go's own test JPEGs ($GOROOT/src/image/testdata: every
// sampling, progressive, restart intervals, grey, RGB, CMYK, truncated),
// which nobody here wrote.
func stdlibJPEGs(t testing.TB) map[string][]byte {
	files, _ := filepath.Glob(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", "*.jpeg"))
	if len(files) < 20 {
		t.Fatalf("Go's test JPEGs are missing from %s", runtime.GOROOT())
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = data
	}
	return out
}

// jpegDiff is the largest difference between a's and b's samples in 8-bit
// RGB, and whether they are the same size.
func jpegDiff(a, b image.Image) (int, bool) {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 0, false
	}
	worst := 0
	ab, bb := a.Bounds(), b.Bounds()
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range [3]int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				worst = max(worst, d, -d)
			}
		}
	}
	return worst, true
}

// compareWithStdlib decodes data as pngd does and with image/jpeg, and
// fails when one accepts what the other refuses, or when their pixels
// differ by more than jpegTolerance. It reports whether data is a JPEG
// pngd gives jpegn.
func compareWithStdlib(t *testing.T, name string, data []byte) bool {
	h, err := ReadHeader(data, Limits{MaxPixels: 1 << 22})
	if err != nil || h.Format != JPEG || !h.simdJPEG {
		return false
	}
	want, wantErr := jpeg.Decode(bytes.NewReader(data))
	got, fallback, gotErr := decodeJPEG(data, h.Model != color.GrayModel)
	switch {
	case wantErr == nil && gotErr != nil:
		t.Fatalf("%s: image/jpeg decodes it, pngd refuses it: %v (fallback %q)", name, gotErr, fallback)
	case wantErr != nil && gotErr == nil:
		// Accepted where image/jpeg refuses: only when the markers are
		// sound and the damage is inside a scan's entropy-coded data,
		// which jpegn, like libjpeg, decodes as far as it can.
		if !entropyDamage(wantErr) {
			t.Fatalf("%s: image/jpeg refuses it (%v), pngd decodes it", name, wantErr)
		}
		if got.Bounds().Dx() != h.Width || got.Bounds().Dy() != h.Height {
			t.Fatalf("%s: damaged scan data decoded to %v, not the header's %d×%d", name, got.Bounds(), h.Width, h.Height)
		}
		return true
	case wantErr != nil:
		return true
	}
	d, same := jpegDiff(want, got)
	if !same {
		t.Fatalf("%s: image/jpeg decodes %v, pngd %v", name, want.Bounds(), got.Bounds())
	}
	if d > jpegTolerance {
		t.Fatalf("%s: a sample differs from image/jpeg's by %d (at most %d allowed; fallback %q)", name, d, jpegTolerance, fallback)
	}
	return true
}

// entropyDamage reports whether err is image/jpeg refusing a scan's
// entropy-coded data (rather than a marker segment).
func entropyDamage(err error) bool {
	for _, s := range []string{"missing 0xff00 sequence", "bad Huffman code", "short Huffman data", "unexpected Huffman code", "too many coefficients", "bad RST marker", "excessive DC component", "unexpected EOF"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// TestJPEGAgainstStdlib: on Go's test JPEGs, pngd's JPEG decoding (jpegn
// for the common layouts) accepts what image/jpeg accepts, within
// jpegTolerance, and jpegn itself decodes every one of them (no fallback).
func TestJPEGAgainstStdlib(t *testing.T) {
	simd := 0
	for name, data := range stdlibJPEGs(t) {
		if !compareWithStdlib(t, name, data) {
			continue
		}
		simd++
		if _, err := jpegn.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("%s: jpegn refuses it (%v); image/jpeg decodes it instead", name, err)
		}
	}
	if simd < 15 {
		t.Errorf("only %d of Go's test JPEGs went to jpegn", simd)
	}
}

// FuzzJPEGAgainstStdlib is the differential fuzz test: whatever the bytes,
// pngd's JPEG decoding accepts what image/jpeg accepts, with pixels within
// jpegTolerance, and refuses what it refuses, except for damage inside a
// scan's entropy-coded data with sound markers around it, which pngd
// decodes as libjpeg does (entropyDamage). Seeds: Go's test JPEGs, and image/jpeg's
// own output at odd sizes and qualities.
func FuzzJPEGAgainstStdlib(f *testing.F) {
	for _, data := range stdlibJPEGs(f) {
		if len(data) < 64<<10 {
			f.Add(data)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for _, size := range [][2]int{{1, 1}, {17, 9}, {33, 65}, {100, 3}} {
		img := image.NewRGBA(image.Rect(0, 0, size[0], size[1]))
		for i := range img.Pix {
			img.Pix[i] = byte(r.Uint32())
		}
		var buf bytes.Buffer
		jpeg.Encode(&buf, img, &jpeg.Options{Quality: 20 + r.IntN(80)})
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithStdlib(t, "input", data)
	})
}
