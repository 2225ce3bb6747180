package render

import (
	"context"
	"encoding/binary"
	"errors"
	"image"
	"math"
	"testing"
)

// FuzzRender draws whatever plan the fuzzer makes up. A plan NewPlan accepts
// must render to exactly Width×Height without panicking; one it refuses
// must be refused with an *InvalidError.
func FuzzRender(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 240, 63}, uint16(3), uint16(2), uint8(0), uint8(0), uint8(0), false)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 248, 127, 0, 0, 0, 0, 0, 0, 240, 63}, uint16(64), uint16(1), uint8(1), uint8(2), uint8(5), true)
	f.Add([]byte{255, 255, 255, 255, 255, 255, 239, 127, 255, 255, 255, 255, 255, 255, 239, 255}, uint16(4096), uint16(4096), uint8(0), uint8(0), uint8(6), true)
	f.Fuzz(func(t *testing.T, raw []byte, w, h uint16, rows, cols, cmap uint8, bilinear bool) {
		vals := make([]float64, len(raw)/8)
		for i := range vals {
			vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
		s := Spec{Values: vals, Rows: int(rows), Cols: int(cols), Width: int(w) % 300, Height: int(h) % 300, Colormap: Colormaps[int(cmap)%len(Colormaps)]}
		if bilinear {
			s.Interpolation = Bilinear
		}
		p, err := NewPlan(s)
		if err != nil {
			if inv := (*InvalidError)(nil); !errors.As(err, &inv) {
				t.Fatalf("NewPlan error %v is not an *InvalidError", err)
			}
			return
		}
		img, err := p.Render(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != s.Width || b.Dy() != s.Height {
			t.Fatalf("image %v, want %d×%d", b.Size(), s.Width, s.Height)
		}
		Recycle(img)
	})
}

// TestSubnormalRange: values whose range is so narrow that its reciprocal
// overflows (subnormal numbers, 5e-324 apart) render as any other range:
// the low value at the colormap's start, the high one at its end. They
// used to make NaN cells that the renderer took for missing ones and
// panicked on (found by FuzzRender).
func TestSubnormalRange(t *testing.T) {
	for _, bilinear := range []bool{false, true} {
		s := Spec{Values: []float64{5e-324, 1e-323, 5e-324, 1e-323}, Width: 4, Height: 4, Colormap: Colormaps[0]}
		if bilinear {
			s.Interpolation = Bilinear
		}
		p, err := NewPlan(s)
		if err != nil {
			t.Fatal(err)
		}
		img, err := p.Render(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pal, ok := img.(*image.Paletted)
		if !ok {
			t.Fatalf("%T", img)
		}
		if lo, hi := pal.ColorIndexAt(0, 0), pal.ColorIndexAt(3, 3); lo == hi {
			t.Errorf("bilinear %v: the low and the high value have one colour (%d)", bilinear, lo)
		}
	}
}
