package imaging

import (
	"context"
	"image"
	"testing"
)

// FuzzPlan checks the geometry for any source and parameters: Plan never
// panics, refuses only outputs over the limit, crops inside the source, and
// a small enough plan renders to exactly the size it promises.
func FuzzPlan(f *testing.F) {
	f.Add(300, 200, 100, 0, uint8(0), uint8(0), uint8(0), 0.0)
	f.Add(1, 8192, 8192, 8192, uint8(1), uint8(3), uint8(1), 2.5)
	f.Add(7, 3, 0, 33, uint8(2), uint8(8), uint8(3), 100.0)
	fits := []Fit{Contain, Cover, Fill}
	gravities := []Gravity{Center, North, South, East, West, Northeast, Northwest, Southeast, Southwest}
	const maxPixels = 1 << 20
	f.Fuzz(func(t *testing.T, sw, sh, w, h int, fit, gravity, rot uint8, blur float64) {
		if sw < 1 || sh < 1 || sw > 1<<14 || sh > 1<<14 || w < 0 || h < 0 || w > 1<<15 || h > 1<<15 {
			t.Skip()
		}
		p := Params{W: w, H: h, Fit: fits[int(fit)%3], Gravity: gravities[int(gravity)%9], Rotate: 90 * (int(rot) % 4), Blur: blur}
		pl, err := p.Plan(image.Pt(sw, sh), maxPixels)
		if err != nil {
			if _, ok := err.(*OutputTooLargeError); !ok {
				t.Fatalf("Plan(%dx%d, %+v): %v", sw, sh, p, err)
			}
			return
		}
		if pl.Out.X < 1 || pl.Out.Y < 1 || int64(pl.Out.X)*int64(pl.Out.Y) > maxPixels {
			t.Fatalf("Plan(%dx%d, %+v): output %v", sw, sh, p, pl.Out)
		}
		if pl.Crop.Empty() || !pl.Crop.In(image.Rect(0, 0, sw, sh)) {
			t.Fatalf("Plan(%dx%d, %+v): crop %v outside the source", sw, sh, p, pl.Crop)
		}
		if (p.W != 0 && pl.Out.X != p.W && (p.H == 0 || p.Fit != Contain)) || (p.H != 0 && pl.Out.Y != p.H && (p.W == 0 || p.Fit != Contain)) {
			t.Fatalf("Plan(%dx%d, %+v): output %v ignores the size asked for", sw, sh, p, pl.Out)
		}
		if sw*sh > 4096 || pl.Out.X*pl.Out.Y > 4096 || blur != blur || blur < 0 || blur > 100 {
			return // rendering is for small cases and the spec's blur range
		}
		src := image.NewRGBA(image.Rect(0, 0, sw, sh))
		levels, _ := Levels(context.Background(), src)
		all := append([]*image.RGBA{src}, levels...)
		k := LevelFor(src.Rect.Size(), len(all), pl.Crop, pl.Resize)
		out, err := Transform(context.Background(), all[k], Scale(pl.Crop, src.Rect.Size(), all[k].Rect.Size()), pl, p)
		if err != nil {
			t.Fatal(err)
		}
		if out.Rect.Size() != pl.Out {
			t.Fatalf("Transform made %v, the plan says %v", out.Rect.Size(), pl.Out)
		}
	})
}
