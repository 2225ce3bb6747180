package library

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/pngenc"
)

// TestSixteenBitDerived: a 16-bit source's derived image is a 16-bit PNG
// with the levels between 8-bit ones that a smooth gradient needs, and
// otherwise the 8-bit derive's picture (within half an 8-bit level on
// average); depth=8 gives 8 bits. With a Display P3 profile the 16-bit
// conversion agrees with the 8-bit one too.
func TestSixteenBitDerived(t *testing.T) {
	const w, h = 600, 200
	src := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint16(x * 65535 / (w - 1))
			src.SetNRGBA64(x, y, color.NRGBA64{v, uint16(y * 65535 / (h - 1)), 65535 - v, 65535})
		}
	}
	for _, profile := range [][]byte{nil, colourtest.DisplayP3()} {
		var buf bytes.Buffer
		if err := (&pngenc.Encoder{}).EncodeMeta(&buf, src, pngenc.Meta{ICC: profile}); err != nil {
			t.Fatal(err)
		}
		lib, _ := openLibrary(t)
		p := stored(t, lib, buf.Bytes())
		deep, err := lib.Derive(t.Context(), p.ID, imaging.Params{W: 300, FlipH: true})
		if err != nil {
			t.Fatal(err)
		}
		shallow, err := lib.Derive(t.Context(), p.ID, imaging.Params{W: 300, FlipH: true, Depth8: true})
		if err != nil {
			t.Fatal(err)
		}
		if deep[24] != 16 || shallow[24] != 8 {
			t.Fatalf("bit depths %d and %d, want 16 and 8", deep[24], shallow[24])
		}
		dm, err := png.Decode(bytes.NewReader(deep))
		if err != nil {
			t.Fatal(err)
		}
		sm, _ := png.Decode(bytes.NewReader(shallow))
		levels := map[uint32]bool{}
		var sum float64
		b := dm.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, _, _, _ := dm.At(x, y).RGBA()
				levels[r] = true
				r8, _, _, _ := sm.At(x, y).RGBA()
				d := float64(r)/257 - float64(r8)/257
				sum += max(d, -d)
			}
		}
		mean := sum / float64(b.Dx()*b.Dy())
		t.Logf("profile %v: %d red levels at 16 bits; mean difference from the 8-bit derive %.2f of 255", profile != nil, len(levels), mean)
		if len(levels) <= 256 {
			t.Errorf("only %d red levels: rounded to 8 bits somewhere", len(levels))
		}
		if mean > 0.6 {
			t.Errorf("the 16-bit derive differs from the 8-bit one by %.2f levels on average", mean)
		}
	}
}

// TestDeepBytesBoundsAllocation: a 16-bit derive allocates no more than
// deepBytes, which it reserves.
func TestDeepBytesBoundsAllocation(t *testing.T) {
	src := image.NewNRGBA64(image.Rect(0, 0, 1200, 900))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7 / 3)
	}
	var buf bytes.Buffer
	if err := (&pngenc.Encoder{}).Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	lib, _ := openLibrary(t)
	p := stored(t, lib, buf.Bytes())
	for _, params := range []imaging.Params{{W: 300}, {W: 1200, Rotate: 90, Blur: 2}, {W: 2400, Grayscale: true}} {
		s, err := lib.source(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := params.Canonical().Plan(s.size, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		want := deepBytes(s, plan, imaging.Params{})
		got := allocated(t, func() error { _, err := lib.Derive(t.Context(), p.ID, params); return err })
		t.Logf("%-40s allocated %6.1f MiB, promised %6.1f MiB (%.0f%%)", params.String(), float64(got)/(1<<20), float64(want)/(1<<20), 100*float64(got)/float64(want))
		if got > want {
			t.Errorf("%s: allocated %d, deepBytes promised %d", params.String(), got, want)
		}
	}
}

// stored prepares data and saves it in l, failing the test on error.
func stored(t *testing.T, l *Library, data []byte) Image {
	t.Helper()
	p, err := Prepare(context.Background(), data, imaging.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	im, _, err := l.Save(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	return im
}
