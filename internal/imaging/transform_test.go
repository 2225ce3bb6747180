package imaging

import (
	"context"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	xdraw "golang.org/x/image/draw"
)

var update = flag.Bool("update", false, "regenerate the ImageMagick reference in testdata (needs convert)")

func TestPlan(t *testing.T) {
	const maxPx = 4096 * 4096
	src := image.Pt(400, 200)
	tests := []struct {
		name     string
		p        Params
		crop     image.Rectangle
		resize   image.Point
		out      image.Point
		tooLarge bool
	}{
		{name: "identity", p: Params{}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(400, 200), out: image.Pt(400, 200)},
		{name: "w only keeps aspect", p: Params{W: 100}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(100, 50), out: image.Pt(100, 50)},
		{name: "h only keeps aspect", p: Params{H: 25}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(50, 25), out: image.Pt(50, 25)},
		{name: "w only rounds, at least 1", p: Params{W: 1}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(1, 1), out: image.Pt(1, 1)},
		{name: "contain fits inside", p: Params{W: 100, H: 100, Fit: Contain}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(100, 50), out: image.Pt(100, 50)},
		{name: "fill stretches", p: Params{W: 100, H: 100, Fit: Fill}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(100, 100), out: image.Pt(100, 100)},
		{name: "cover center", p: Params{W: 100, H: 100, Fit: Cover}, crop: image.Rect(100, 0, 300, 200), resize: image.Pt(100, 100), out: image.Pt(100, 100)},
		{name: "cover west", p: Params{W: 100, H: 100, Fit: Cover, Gravity: West}, crop: image.Rect(0, 0, 200, 200), resize: image.Pt(100, 100), out: image.Pt(100, 100)},
		{name: "cover southeast", p: Params{W: 100, H: 100, Fit: Cover, Gravity: Southeast}, crop: image.Rect(200, 0, 400, 200), resize: image.Pt(100, 100), out: image.Pt(100, 100)},
		{name: "cover north on a tall crop", p: Params{W: 400, H: 100, Fit: Cover, Gravity: North}, crop: image.Rect(0, 0, 400, 100), resize: image.Pt(400, 100), out: image.Pt(400, 100)},
		{name: "cover south on a tall crop", p: Params{W: 400, H: 100, Fit: Cover, Gravity: South}, crop: image.Rect(0, 100, 400, 200), resize: image.Pt(400, 100), out: image.Pt(400, 100)},
		{name: "rotate 90 swaps the resize", p: Params{W: 50, Rotate: 90}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(100, 50), out: image.Pt(50, 100)},
		{name: "rotate 270 contain", p: Params{W: 60, H: 100, Rotate: 270}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(100, 50), out: image.Pt(50, 100)},
		{name: "enlarging is allowed", p: Params{W: 4000}, crop: image.Rect(0, 0, 400, 200), resize: image.Pt(4000, 2000), out: image.Pt(4000, 2000)},
		{name: "too many pixels", p: Params{W: 8192, H: 8192, Fit: Fill}, tooLarge: true},
		{name: "one side implies a huge other", p: Params{H: 8192 * 4}, tooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := tt.p.Plan(src, maxPx)
			if tt.tooLarge {
				if _, ok := err.(*OutputTooLargeError); !ok {
					t.Fatalf("Plan = %+v, %v; want *OutputTooLargeError", pl, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Plan{Crop: tt.crop, Resize: tt.resize, Out: tt.out, Place: image.Rectangle{Max: tt.out}}
			if pl != want {
				t.Errorf("Plan = %+v, want %+v", pl, want)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	same := [][2]Params{
		{{W: 100}, {W: 100, Fit: Cover}},                                 // fit needs both sides
		{{W: 100, H: 50}, {W: 100, H: 50, Fit: Contain, Gravity: North}}, // gravity needs cover
		{{Rotate: 0}, {Rotate: 360}},
		{{Blur: 0}, {Blur: -0.0}},
	}
	for _, s := range same {
		if s[0].String() != s[1].String() {
			t.Errorf("%+v and %+v: %q != %q, want the same canonical text", s[0], s[1], s[0].String(), s[1].String())
		}
	}
	if (Params{W: 100, H: 50, Fit: Cover, Gravity: North}).String() == (Params{W: 100, H: 50, Fit: Cover}).String() {
		t.Error("cover's gravity is lost from the canonical text")
	}
	if !(Params{Fit: Cover, Gravity: East}).Identity() || (Params{FlipV: true}).Identity() {
		t.Error("Identity is wrong")
	}
}

// quadrants is a w×h image with red, green, blue and white quadrants
// (top-left, top-right, bottom-left, bottom-right).
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [4]color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}[2*(2*y/h)+2*x/w]
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func TestRotateFlip(t *testing.T) {
	red, green, blue, white := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{255, 255, 255, 255}
	tests := []struct {
		deg  int
		h, v bool
		want [4]color.RGBA // top-left, top-right, bottom-left, bottom-right
	}{
		{0, false, false, [4]color.RGBA{red, green, blue, white}},
		{90, false, false, [4]color.RGBA{blue, red, white, green}},
		{180, false, false, [4]color.RGBA{white, blue, green, red}},
		{270, false, false, [4]color.RGBA{green, white, red, blue}},
		{0, true, false, [4]color.RGBA{green, red, white, blue}},
		{0, false, true, [4]color.RGBA{blue, white, red, green}},
		{90, true, true, [4]color.RGBA{green, white, red, blue}},
	}
	for _, tt := range tests {
		m := Turn(quadrants(6, 4), tt.deg, tt.h, tt.v)
		w, h := m.Rect.Dx(), m.Rect.Dy()
		if tt.deg == 90 || tt.deg == 270 {
			if w != 4 || h != 6 {
				t.Errorf("rotate %d: size %dx%d, want 4x6", tt.deg, w, h)
			}
		}
		got := [4]color.RGBA{m.RGBAAt(0, 0), m.RGBAAt(w-1, 0), m.RGBAAt(0, h-1), m.RGBAAt(w-1, h-1)}
		if got != tt.want {
			t.Errorf("rotate %d flip h=%t v=%t: corners %v, want %v", tt.deg, tt.h, tt.v, got, tt.want)
		}
	}
}

func TestGrayscale(t *testing.T) {
	m := quadrants(4, 4)
	m.SetRGBA(0, 0, color.RGBA{100, 50, 0, 128}) // premultiplied, half transparent
	Grayscale(m)
	for _, tt := range []struct {
		x, y int
		want color.RGBA
	}{
		{0, 0, color.RGBA{57, 57, 57, 128}},
		{3, 0, color.RGBA{182, 182, 182, 255}}, // green: 0.7152
		{0, 3, color.RGBA{18, 18, 18, 255}},    // blue: 0.0722
		{3, 3, color.RGBA{255, 255, 255, 255}},
	} {
		if got := m.RGBAAt(tt.x, tt.y); got != tt.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestBlur(t *testing.T) {
	// The three boxes' variance is sigma² to within a box step.
	for _, sigma := range []float64{0.5, 1, 2.5, 10, 100} {
		var v float64
		for _, r := range boxRadii(sigma, 3) {
			w := float64(2*r + 1)
			v += (w*w - 1) / 12
		}
		if math.Abs(math.Sqrt(v)-sigma) > 0.5 {
			t.Errorf("sigma %v: the boxes' sigma is %.2f", sigma, math.Sqrt(v))
		}
	}

	// A flat image stays flat; an impulse spreads like a Gaussian.
	flat := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range flat.Pix {
		flat.Pix[i] = 200
	}
	if err := Blur(context.Background(), flat, 7); err != nil {
		t.Fatal(err)
	}
	for i, p := range flat.Pix {
		if p != 200 {
			t.Fatalf("blurring a flat image changed byte %d to %d", i, p)
		}
	}
	imp := image.NewRGBA(image.Rect(0, 0, 101, 1))
	imp.Pix[4*50], imp.Pix[4*50+3] = 255, 255
	for i := range imp.Pix { // scale up, so rounding does not swamp the tails
		if i%4 == 0 || i%4 == 3 {
			imp.Pix[i] = map[bool]uint8{true: 255, false: 0}[i/4 == 50]
		}
	}
	const sigma = 3.0
	big := image.NewRGBA(image.Rect(0, 0, 101, 1))
	copy(big.Pix, imp.Pix)
	if err := Blur(context.Background(), big, sigma); err != nil {
		t.Fatal(err)
	}
	var sum, m2 float64
	for x := range 101 {
		v := float64(big.Pix[4*x])
		sum += v
		m2 += v * float64((x-50)*(x-50))
	}
	if got := math.Sqrt(m2 / sum); math.Abs(got-sigma) > 0.6 {
		t.Errorf("blurred impulse has sigma %.2f, want %.1f±0.6", got, sigma)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Blur(ctx, flat, 3); err != context.Canceled {
		t.Errorf("Blur with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestHalve(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range m.Pix {
		m.Pix[i] = uint8(10 * (i / 4)) // pixel i has value 10i
	}
	h := Halve(m)
	if h.Rect.Dx() != 2 || h.Rect.Dy() != 1 {
		t.Fatalf("Halve of 3x2 is %v, want 2x1", h.Rect.Size())
	}
	// (0+10+30+40)/4 = 20; the odd column averages with itself: (20+20+50+50)/4 = 35.
	if h.Pix[0] != 20 || h.Pix[4] != 35 {
		t.Errorf("Halve = %v, want 20 and 35", h.Pix)
	}
}

// TestNoDarkFringes resamples an opaque red square on a transparent black
// background: every pixel that is not fully transparent must still be red
// once un-premultiplied. Resampling straight (non-premultiplied) RGBA would
// mix in the background's black at the edge.
func TestNoDarkFringes(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 301, 301))
	for y := 100; y < 200; y++ {
		for x := 100; x < 200; x++ {
			src.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
		}
	}
	out := derive(t, ToRGBA(src), Params{W: 37})
	edges := 0
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			c := color.NRGBAModel.Convert(out.RGBAAt(x, y)).(color.NRGBA)
			if c.A == 0 {
				continue
			}
			if c.A < 255 {
				edges++
			}
			if c.R < 240 || c.G > 10 || c.B > 10 {
				t.Fatalf("pixel (%d,%d) = %v: a fringe, want pure red at any alpha", x, y, c)
			}
		}
	}
	if edges == 0 {
		t.Fatal("no partly transparent pixels: the test does not test the edge")
	}
}

// derive runs the whole geometry as the library does: plan, pyramid level,
// transform.
func derive(t testing.TB, src *image.RGBA, p Params) *image.RGBA {
	t.Helper()
	ctx := context.Background()
	full := src.Rect.Size()
	pl, err := p.Plan(full, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	levels, err := Levels(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	all := append([]*image.RGBA{src}, levels...)
	k := LevelFor(full, len(all), pl.Crop, pl.Resize)
	out, err := Transform(ctx, all[k], Scale(pl.Crop, full, all[k].Rect.Size()), pl, p)
	if err != nil {
		t.Fatal(err)
	}
	if out.Rect.Size() != pl.Out {
		t.Fatalf("output %v, plan says %v", out.Rect.Size(), pl.Out)
	}
	return out
}

// card is a 2048×2048 test card: fine lines, rings, gradients and text-like
// blocks, where a poor downscale shows moiré and aliasing.
func card() *image.RGBA {
	const n = 2048
	m := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			var c color.RGBA
			switch {
			case y < n/2 && x < n/2: // rings
				dx, dy := float64(x-n/4), float64(y-n/4)
				v := 0.5 + 0.5*math.Cos((dx*dx+dy*dy)/900)
				c = color.RGBA{uint8(255 * v), uint8(255 * v), uint8(255 * v), 255}
			case y < n/2: // colour gradient
				c = color.RGBA{uint8(255 * (x - n/2) / (n / 2)), uint8(255 * y / (n / 2)), 128, 255}
			case x < n/2: // vertical lines getting finer
				period := 2 + (y-n/2)/64
				c = color.RGBA{0, 0, 0, 255}
				if (x/period)%2 == 0 {
					c = color.RGBA{255, 255, 255, 255}
				}
			default: // blocks
				c = color.RGBA{uint8((x / 37 * 53) % 256), uint8((y / 29 * 97) % 256), uint8(((x/37 + y/29) * 31) % 256), 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// psnr is the peak signal-to-noise ratio of b against a over RGB, in dB.
func psnr(a, b *image.RGBA) float64 {
	var se float64
	n := 0
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		se += d * d
		n++
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// TestResizeMatchesReference downscales the test card 8× and compares it
// with ImageMagick's Lanczos resize of the same card (testdata, made with
// -update). The tolerance: PSNR at least 30 dB, where nearest-neighbour,
// which aliases, must fall clearly below it (checked too, so the threshold
// is known to tell them apart).
func TestResizeMatchesReference(t *testing.T) {
	cardPath, refPath := filepath.Join(t.TempDir(), "card.png"), filepath.Join("testdata", "card-256-lanczos.png")
	src := card()
	if *update {
		f, err := os.Create(cardPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, src); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if out, err := exec.Command("convert", cardPath, "-filter", "Lanczos", "-resize", "256x256", refPath).CombinedOutput(); err != nil {
			t.Fatalf("convert: %v\n%s", err, out)
		}
	}
	f, err := os.Open(refPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	refImg, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	ref := ToRGBA(refImg)

	got := derive(t, src, Params{W: 256})
	const minPSNR = 30.0
	p := psnr(ref, got)
	t.Logf("PSNR against ImageMagick Lanczos: %.1f dB", p)
	if p < minPSNR {
		t.Errorf("PSNR %.1f dB, want at least %.0f dB", p, minPSNR)
	}

	nn := image.NewRGBA(image.Rect(0, 0, 256, 256))
	xdraw.NearestNeighbor.Scale(nn, nn.Rect, src, src.Rect, xdraw.Src, nil)
	pn := psnr(ref, nn)
	t.Logf("PSNR of nearest-neighbour: %.1f dB", pn)
	if pn > minPSNR-5 {
		t.Errorf("nearest-neighbour scores %.1f dB: the threshold would not catch an aliasing resize", pn)
	}
}

// TestLevelForSlack: a level that shrinks a little less than 2× to the
// output (1/64 less) is taken: 2040 px to 256 reads the 510-px level, as
// 2048 px reads the 512-px one; one that falls short by more is not.
func TestLevelForSlack(t *testing.T) {
	for _, c := range []struct {
		full, out, want int
	}{
		{2048, 256, 2}, {2040, 256, 2}, {2000, 256, 1}, {2040, 255, 2}, {1024, 256, 1}, {1020, 256, 1}, {990, 256, 0},
	} {
		full := image.Pt(c.full, c.full)
		if k := LevelFor(full, 4, image.Rectangle{Max: full}, image.Pt(c.out, c.out)); k != c.want {
			t.Errorf("%d px to %d: level %d, want %d", c.full, c.out, k, c.want)
		}
	}
}
