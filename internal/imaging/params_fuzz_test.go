package imaging

import (
	"context"
	"image"
	"image/color"
	"testing"
)

// FuzzPlan checks the geometry for any source and parameters, with a trim
// box, a focal point or a smart crop's focus, padding, rounded corners and
// a background: PlanContent never panics, refuses only outputs over the
// limit, crops inside the source (and the trim box), and a small enough
// plan renders to exactly the size it promises.
func FuzzPlan(f *testing.F) {
	f.Add(300, 200, 100, 0, uint8(0), uint8(0), uint8(0), 0.0, 0.5, 0.5, uint8(0), 0, 0, 0, 0, 0)
	f.Add(1, 8192, 8192, 8192, uint8(1), uint8(3), uint8(1), 2.5, 0.0, 1.0, uint8(1), 0, 5, 1, 100, 3)
	f.Add(7, 3, 0, 33, uint8(2), uint8(8), uint8(3), 100.0, -1.0, 2.0, uint8(2), 2, 1, 3, 2, 9999)
	f.Add(300, 200, 100, 100, uint8(3), uint8(9), uint8(1), 0.0, 0.9, 0.1, uint8(3), 10, 20, 200, 150, 40)
	fits := []Fit{Contain, Cover, Fill, Pad}
	gravities := []Gravity{Center, North, South, East, West, Northeast, Northwest, Southeast, Southwest, Smart}
	const maxPixels = 1 << 20
	f.Fuzz(func(t *testing.T, sw, sh, w, h int, fit, gravity, rot uint8, blur, fx, fy float64, focus uint8, tx, ty, tw, th, radius int) {
		if sw < 1 || sh < 1 || sw > 1<<14 || sh > 1<<14 || w < 0 || h < 0 || w > 1<<15 || h > 1<<15 {
			t.Skip()
		}
		p := Params{W: w, H: h, Fit: fits[int(fit)%4], Gravity: gravities[int(gravity)%10], Rotate: 90 * (int(rot) % 4), Blur: blur, Radius: radius,
			Background: color.NRGBA{1, 2, 3, uint8(radius)}, HasBackground: radius%2 == 1}
		var c Content
		switch focus % 4 {
		case 1: // a focal point
			p.FX, p.FY, p.Focal = fx, fy, true
		case 2: // a smart crop's focus
			c.FocusX, c.FocusY, c.Focus = fx, fy, true
		case 3: // a trim box, and the focus
			c.Trim = image.Rect(tx, ty, tx+tw, ty+th)
			c.FocusX, c.FocusY, c.Focus = fx, fy, true
		}
		pl, err := p.PlanContent(image.Pt(sw, sh), c, maxPixels)
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
		if tr := c.Trim.Intersect(image.Rect(0, 0, sw, sh)); !tr.Empty() && !pl.Crop.In(tr) {
			t.Fatalf("Plan(%dx%d, %+v): crop %v outside the trim box %v", sw, sh, p, pl.Crop, tr)
		}
		if !pl.Place.In(image.Rectangle{Max: pl.Out}) || pl.Place.Empty() {
			t.Fatalf("Plan(%dx%d, %+v): the picture at %v, outside the output %v", sw, sh, p, pl.Place, pl.Out)
		}
		if p.Fit == Pad && p.W != 0 && p.H != 0 && pl.Out != image.Pt(p.W, p.H) {
			t.Fatalf("Plan(%dx%d, %+v): a padded output %v, not the box", sw, sh, p, pl.Out)
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
