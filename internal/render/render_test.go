package render

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"testing"
)

func ptr(v float64) *float64 { return &v }

func TestLayout(t *testing.T) {
	tests := []struct {
		name             string
		n, rows, cols    int
		wantRows, wantCo int
		wantErr          bool
	}{
		{name: "square", n: 16, wantRows: 4, wantCo: 4},
		{name: "near square", n: 10, wantRows: 3, wantCo: 4},
		{name: "one value", n: 1, wantRows: 1, wantCo: 1},
		{name: "perfect square large", n: 1 << 20, wantRows: 1024, wantCo: 1024},
		{name: "rows given", n: 10, rows: 2, wantRows: 2, wantCo: 5},
		{name: "rows given ragged", n: 10, rows: 3, wantRows: 3, wantCo: 4},
		{name: "cols given", n: 10, cols: 10, wantRows: 1, wantCo: 10},
		{name: "both given", n: 12, rows: 3, cols: 4, wantRows: 3, wantCo: 4},
		{name: "both given, wrong product", n: 10, rows: 3, cols: 4, wantErr: true},
		{name: "more rows than values", n: 3, rows: 5, wantErr: true},
		{name: "more cols than values", n: 3, cols: 4, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan(Spec{Values: make([]float64, tt.n), Rows: tt.rows, Cols: tt.cols, Width: 8, Height: 8, Colormap: "gray"})
			if tt.wantErr {
				var inv *InvalidError
				if !errors.As(err, &inv) {
					t.Fatalf("NewPlan err = %v, want *InvalidError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r, c := p.Grid(); r != tt.wantRows || c != tt.wantCo {
				t.Errorf("Grid() = %d×%d, want %d×%d", r, c, tt.wantRows, tt.wantCo)
			}
		})
	}
}

func TestNewPlanRejects(t *testing.T) {
	ok := Spec{Values: []float64{1, 2}, Width: 4, Height: 4, Colormap: "viridis"}
	tests := []struct {
		name   string
		modify func(*Spec)
	}{
		{"no values", func(s *Spec) { s.Values = nil }},
		{"too many values", func(s *Spec) { s.Values = make([]float64, MaxValues+1) }},
		{"infinite value", func(s *Spec) { s.Values = []float64{1, math.Inf(1)} }},
		{"negative infinity", func(s *Spec) { s.Values = []float64{math.Inf(-1)} }},
		{"zero width", func(s *Spec) { s.Width = 0 }},
		{"huge height", func(s *Spec) { s.Height = MaxSide + 1 }},
		{"negative rows", func(s *Spec) { s.Rows = -1 }},
		{"unknown colormap", func(s *Spec) { s.Colormap = "jet" }},
		{"NaN min", func(s *Spec) { s.Min = ptr(math.NaN()) }},
		{"infinite max", func(s *Spec) { s.Max = ptr(math.Inf(1)) }},
		{"min above max", func(s *Spec) { s.Min, s.Max = ptr(2), ptr(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.modify(&s)
			_, err := NewPlan(s)
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Msg == "" {
				t.Fatalf("NewPlan err = %v, want *InvalidError with a message", err)
			}
		})
	}
}

func TestColormapTables(t *testing.T) {
	// The published end points of each table.
	tests := []struct {
		name        string
		first, last uint32
	}{
		{"viridis", 0x440154, 0xfde725},
		{"magma", 0x000004, 0xfcfdbf},
		{"inferno", 0x000004, 0xfcffa4},
		{"plasma", 0x0d0887, 0xf0f921},
		{"cividis", 0x00224e, 0xfee838},
		{"turbo", 0x30123b, 0x7a0403},
		{"gray", 0x000000, 0xffffff},
	}
	for _, tt := range tests {
		p := palette(tt.name)
		if len(p) != 256 {
			t.Fatalf("%s: %d colours, want 256", tt.name, len(p))
		}
		for _, c := range []struct {
			i    int
			want uint32
		}{{0, tt.first}, {255, tt.last}} {
			r, g, b, _ := p[c.i].RGBA()
			if got := (r>>8)<<16 | (g>>8)<<8 | b>>8; got != c.want {
				t.Errorf("%s[%d] = %06x, want %06x", tt.name, c.i, got, c.want)
			}
		}
	}
}

func render(t *testing.T, s Spec) image.Image {
	t.Helper()
	p, err := NewPlan(s)
	if err != nil {
		t.Fatal(err)
	}
	img, err := p.Render(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != s.Width || b.Dy() != s.Height {
		t.Fatalf("size %v, want %d×%d", b.Size(), s.Width, s.Height)
	}
	return img
}

func gray(img image.Image, x, y int) (v, a uint8) {
	c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	return c.R, c.A
}

func TestRenderNearest(t *testing.T) {
	img := render(t, Spec{Values: []float64{0, 1, 2, 3}, Width: 4, Height: 4, Colormap: "gray"})
	if _, ok := img.(*image.Paletted); !ok {
		t.Errorf("image is %T, want *image.Paletted", img)
	}
	// 2×2 grid drawn as 2×2 blocks; levels 0, 85, 170, 255.
	for _, c := range []struct {
		x, y int
		want uint8
	}{{0, 0, 0}, {3, 0, 85}, {0, 3, 170}, {3, 3, 255}, {1, 1, 0}} {
		if got, _ := gray(img, c.x, c.y); got != c.want {
			t.Errorf("pixel (%d,%d) = %d, want %d", c.x, c.y, got, c.want)
		}
	}
}

func TestRenderMinMaxClamp(t *testing.T) {
	img := render(t, Spec{Values: []float64{-5, 5, 10, 20}, Width: 2, Height: 2, Colormap: "gray", Min: ptr(0), Max: ptr(10)})
	for _, c := range []struct {
		x, y int
		want uint8
	}{{0, 0, 0}, {1, 0, 128}, {0, 1, 255}, {1, 1, 255}} {
		if got, _ := gray(img, c.x, c.y); got != c.want {
			t.Errorf("pixel (%d,%d) = %d, want %d", c.x, c.y, got, c.want)
		}
	}
}

// TestRenderExtremeRange uses finite values whose difference overflows a
// float64; they must still spread over the colormap.
func TestRenderExtremeRange(t *testing.T) {
	img := render(t, Spec{Values: []float64{-math.MaxFloat64, 0, math.MaxFloat64}, Rows: 1, Width: 3, Height: 1, Colormap: "gray"})
	for x, want := range []uint8{0, 128, 255} {
		if got, _ := gray(img, x, 0); got != want {
			t.Errorf("pixel %d = %d, want %d", x, got, want)
		}
	}
}

func TestRenderConstant(t *testing.T) {
	img := render(t, Spec{Values: []float64{7, 7, 7}, Width: 3, Height: 3, Colormap: "gray"})
	for y := range 3 {
		for x := range 3 {
			v, a := gray(img, x, y)
			if (x < 2 || y < 1) && (v != 0 || a != 255) { // cells 0..2 of a 2×2 grid
				t.Errorf("pixel (%d,%d) = %d/%d, want opaque level 0", x, y, v, a)
			}
		}
	}
}

func TestRenderMissingIsTransparent(t *testing.T) {
	for _, interp := range []Interpolation{Nearest, Bilinear} {
		img := render(t, Spec{Values: []float64{0, math.NaN(), 2}, Width: 20, Height: 20, Colormap: "viridis", Interpolation: interp})
		if _, a := gray(img, 15, 2); a != 0 {
			t.Errorf("interp %d: missing cell alpha %d, want 0", interp, a)
		}
		if _, a := gray(img, 15, 15); a != 0 { // the cell past the last value
			t.Errorf("interp %d: padding cell alpha %d, want 0", interp, a)
		}
		if _, a := gray(img, 2, 2); a != 255 {
			t.Errorf("interp %d: present cell alpha %d, want 255", interp, a)
		}
	}
}

func TestRenderAllLevelsAndMissingFallsBackToNRGBA(t *testing.T) {
	vals := make([]float64, 257)
	for i := range 256 {
		vals[i] = float64(i)
	}
	vals[256] = math.NaN()
	img := render(t, Spec{Values: vals, Width: 257, Height: 1, Rows: 1, Colormap: "gray"})
	if _, ok := img.(*image.NRGBA); !ok {
		t.Fatalf("image is %T, want *image.NRGBA", img)
	}
	if v, a := gray(img, 255, 0); v != 255 || a != 255 {
		t.Errorf("last level = %d/%d, want 255/255", v, a)
	}
	if _, a := gray(img, 256, 0); a != 0 {
		t.Errorf("missing alpha = %d, want 0", a)
	}
}

func TestRenderBilinearIsSmooth(t *testing.T) {
	img := render(t, Spec{Values: []float64{0, 1}, Rows: 1, Width: 101, Height: 1, Colormap: "gray", Interpolation: Bilinear})
	prev := uint8(0)
	for x := range 101 {
		v, _ := gray(img, x, 0)
		if v < prev {
			t.Fatalf("pixel %d = %d, below its left neighbour %d", x, v, prev)
		}
		prev = v
	}
	if mid, _ := gray(img, 50, 0); mid < 120 || mid > 135 {
		t.Errorf("middle = %d, want about 128", mid)
	}
}

func TestRenderCancelled(t *testing.T) {
	p, err := NewPlan(Spec{Values: []float64{1}, Width: 1, Height: 1, Colormap: "gray"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Render(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Render err = %v, want context.Canceled", err)
	}
}

func TestETagIsCanonical(t *testing.T) {
	base := Spec{Values: []float64{1, 2, 3, 4}, Width: 8, Height: 8, Colormap: "magma"}
	etag := func(s Spec) string {
		p, err := NewPlan(s)
		if err != nil {
			t.Fatal(err)
		}
		return p.ETag()
	}
	same := base
	same.Min, same.Max, same.Rows = ptr(1), ptr(4), 2 // the defaults, spelled out
	negZero := base
	negZero.Values = []float64{1, 2, 3, 4}
	if etag(base) != etag(same) {
		t.Errorf("explicit defaults changed the ETag")
	}
	for name, s := range map[string]Spec{
		"value":  {Values: []float64{1, 2, 3, 5}, Width: 8, Height: 8, Colormap: "magma"},
		"size":   {Values: base.Values, Width: 9, Height: 8, Colormap: "magma"},
		"cmap":   {Values: base.Values, Width: 8, Height: 8, Colormap: "gray"},
		"grid":   {Values: base.Values, Rows: 1, Width: 8, Height: 8, Colormap: "magma"},
		"interp": {Values: base.Values, Width: 8, Height: 8, Colormap: "magma", Interpolation: Bilinear},
	} {
		if etag(s) == etag(base) {
			t.Errorf("changing %s kept the ETag", name)
		}
	}
	z1 := Spec{Values: []float64{0, 1}, Width: 1, Height: 1, Colormap: "gray"}
	z2 := Spec{Values: []float64{math.Copysign(0, -1), 1}, Width: 1, Height: 1, Colormap: "gray"}
	if etag(z1) != etag(z2) {
		t.Errorf("-0 and 0 gave different ETags")
	}
}
