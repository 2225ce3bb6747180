package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// translucentCard is a w×h picture with opaque, half-transparent and
// transparent parts, to pad, flatten and round.
func translucentCard(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			switch {
			case x < w/4:
				a = uint8(255 * y / h) // a ramp of alpha
			case x > 3*w/4 && y > h/2:
				a = 0
			}
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), a})
		}
	}
	return m
}

// psnrPremul is the PSNR of b against a over all four channels of their
// premultiplied colour (what is seen over any background), in dB.
func psnrPremul(a, b image.Image) float64 {
	pa, pb := image.NewRGBA(a.Bounds()), image.NewRGBA(b.Bounds())
	draw.Draw(pa, pa.Rect, a, a.Bounds().Min, draw.Src)
	draw.Draw(pb, pb.Rect, b, b.Bounds().Min, draw.Src)
	if pa.Rect.Size() != pb.Rect.Size() {
		return math.Inf(-1)
	}
	var se float64
	for i := range pa.Pix {
		d := float64(pa.Pix[i]) - float64(pb.Pix[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(len(pa.Pix))))
}

// convertRef runs ImageMagick's convert with args, the output last, and
// decodes what it wrote.
func convertRef(t *testing.T, args ...string) image.Image {
	t.Helper()
	out := args[len(args)-1]
	if b, err := exec.Command("convert", args...).CombinedOutput(); err != nil {
		t.Fatalf("convert %s: %v: %s", strings.Join(args, " "), err, b)
	}
	data, err := os.ReadFile(strings.TrimPrefix(out, "PNG32:"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// planAndTransform runs Plan and Transform on src as the library does on a level.
func planAndTransform(t *testing.T, src image.Image, p Params) *image.RGBA {
	t.Helper()
	m := ToRGBA(src)
	pl, err := p.Plan(m.Rect.Size(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Transform(t.Context(), m, pl.Crop, pl, p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// roundMask is convert's arguments that cut the image to ImageMagick's
// roundrectangle of radius r: drawn 16 times as large and scaled down by
// averaging, so that its anti-aliasing is each pixel's share of the
// shape (ImageMagick's own, drawn at 1×, is measured otherwise and is
// not symmetric), from the first pixel's outer edge to the last's
// (ImageMagick draws from pixel centres).
func roundMask(w, h, r int) []string {
	const k = 16
	return []string{"(", "-size", fmt.Sprintf("%dx%d", k*w, k*h), "xc:none", "-fill", "white",
		"-draw", fmt.Sprintf("roundrectangle -0.5,-0.5 %g,%g %d,%d", float64(k*w)-0.5, float64(k*h)-0.5, k*r, k*r),
		"-scale", fmt.Sprintf("%dx%d", w, h), ")", "-compose", "DstIn", "-composite"}
}

// TestComposeAgainstImageMagick checks fit=pad with its gravity and
// background, background alone (flatten) and radius against ImageMagick
// doing the same to the same picture (-gravity -extent -background,
// -flatten, and a roundrectangle mask), at least 45 dB each. The boxes
// need no resampling, so that only the step itself is compared. The
// mask's rectangle runs from the first pixel's outer edge to the last's
// (ImageMagick draws from pixel centres), as pngd's does.
func TestComposeAgainstImageMagick(t *testing.T) {
	colourtest.Need(t, []string{"convert"})
	dir := t.TempDir()
	card := translucentCard(200, 120)
	in := filepath.Join(dir, "card.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, card); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	imGravity := map[Gravity]string{Center: "center", North: "north", South: "south", East: "east", West: "west",
		Northeast: "northeast", Northwest: "northwest", Southeast: "southeast", Southwest: "southwest"}
	type check struct {
		name string
		p    Params
		ref  []string // convert's arguments after the input, the output last
	}
	var checks []check
	for g, ig := range imGravity {
		checks = append(checks, check{"pad tall box " + string(g), Params{W: 200, H: 200, Fit: Pad, Gravity: g},
			[]string{"-background", "none", "-gravity", ig, "-extent", "200x200"}})
		checks = append(checks, check{"pad wide box " + string(g), Params{W: 260, H: 120, Fit: Pad, Gravity: g},
			[]string{"-background", "none", "-gravity", ig, "-extent", "260x120"}})
	}
	checks = append(checks,
		check{"pad with an opaque background", Params{W: 200, H: 160, Fit: Pad, Background: color.NRGBA{0x20, 0x80, 0xe0, 0xff}, HasBackground: true},
			[]string{"-background", "#2080e0", "-gravity", "center", "-extent", "200x160", "-flatten"}},
		check{"pad with a translucent background", Params{W: 200, H: 160, Fit: Pad, Gravity: Southwest, Background: color.NRGBA{0xff, 0xc0, 0x10, 0x80}, HasBackground: true},
			// the padded picture over a canvas of the background (-flatten
			// would lay the translucent padding over the background again)
			[]string{"-background", "none", "-gravity", "southwest", "-extent", "200x160",
				"(", "-size", "200x160", "xc:#ffc01080", ")", "+swap", "-compose", "Over", "-composite"}},
		check{"background flattens", Params{Background: color.NRGBA{0xff, 0xff, 0xff, 0xff}, HasBackground: true},
			[]string{"-background", "white", "-flatten"}},
		check{"radius 30", Params{Radius: 30},
			roundMask(200, 120, 30)},
		check{"radius larger than half", Params{Radius: 500},
			roundMask(200, 120, 60)},
		check{"pad then radius", Params{W: 200, H: 160, Fit: Pad, Radius: 24, Background: color.NRGBA{0x30, 0x30, 0x30, 0xff}, HasBackground: true},
			append([]string{"-background", "#303030", "-gravity", "center", "-extent", "200x160", "-flatten"}, roundMask(200, 160, 24)...)},
	)
	for i, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			ref := convertRef(t, append(append([]string{in}, c.ref[:len(c.ref)]...), "PNG32:"+filepath.Join(dir, fmt.Sprintf("ref%d.png", i)))...)
			got := planAndTransform(t, card, c.p)
			db := psnrPremul(ref, got)
			t.Logf("%s: %v against ImageMagick: %.1f dB", c.name, got.Rect.Size(), db)
			if db < 45 {
				t.Errorf("%.1f dB against ImageMagick, want at least 45", db)
			}
		})
	}
}

// TestOverlayAgainstImageMagick checks the overlay step against
// ImageMagick's composite -dissolve with the same gravity and margin, on
// a translucent picture under a translucent mark, at least 45 dB.
func TestOverlayAgainstImageMagick(t *testing.T) {
	colourtest.Need(t, []string{"composite"})
	dir := t.TempDir()
	base, mark := translucentCard(200, 120), translucentCard(50, 30)
	for name, m := range map[string]image.Image{"base.png": base, "mark.png": mark} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		g       Gravity
		im      string
		opacity float64
		margin  int
	}{{Southeast, "southeast", 1, 0}, {Northwest, "northwest", 0.6, 7}, {Center, "center", 0.35, 0}, {South, "south", 0.8, 12}} {
		name := fmt.Sprintf("%s at %g, margin %d", c.g, c.opacity, c.margin)
		t.Run(name, func(t *testing.T) {
			o := Overlay{ID: "x", Gravity: c.g, Scale: 0.25, Opacity: c.opacity, OpacitySet: true, Margin: c.margin}
			p := Params{Overlay: o}
			m := ToRGBA(base)
			pl, err := p.Plan(m.Rect.Size(), 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			size := o.OverlaySize(mark.Rect.Size(), pl.Out)
			if size != mark.Rect.Size() {
				t.Fatalf("overlay size %v, want %v (no resampling)", size, mark.Rect.Size())
			}
			pl.Overlay, pl.OverlayAt = ToRGBA(mark), o.OverlayPlace(size, pl.Out)
			got, err := Transform(t.Context(), m, pl.Crop, pl, p)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.png")
			// ImageMagick's offset moves a centred axis too; the margin is
			// only from the edges the gravity puts the overlay against.
			dx, dy := 0, 0
			if strings.Contains(c.im, "east") || strings.Contains(c.im, "west") {
				dx = c.margin
			}
			if strings.HasPrefix(c.im, "north") || strings.HasPrefix(c.im, "south") {
				dy = c.margin
			}
			args := []string{"-dissolve", fmt.Sprint(math.Round(c.opacity * 100)), "-gravity", c.im,
				"-geometry", fmt.Sprintf("+%d+%d", dx, dy), filepath.Join(dir, "mark.png"), filepath.Join(dir, "base.png"), "PNG32:" + out}
			if b, err := exec.Command("composite", args...).CombinedOutput(); err != nil {
				t.Fatalf("composite: %v: %s", err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			db := psnrPremul(ref, got)
			t.Logf("%s: %.1f dB against composite -dissolve", name, db)
			if db < 45 {
				t.Errorf("%.1f dB against ImageMagick, want at least 45", db)
			}
		})
	}
}
