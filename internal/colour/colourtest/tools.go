package colourtest

import (
	"github.com/pngd/pngd/internal/colour"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Profile paths from Debian packages (colord-data); .ci/run installs them.
const (
	AdobeRGB = "/usr/share/color/icc/colord/AdobeRGB1998.icc"
	SRGB     = "/usr/share/color/icc/colord/sRGB.icc"
)

// Need fails (under CI) or skips the test when a tool or file from
// Debian's packages is missing.
func Need(t testing.TB, tools []string, files ...string) {
	t.Helper()
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "missing " + strings.Join(missing, ", ") + ": apt-get install imagemagick liblcms2-utils colord-data libavif-bin libheif-examples webp libtiff-tools libjpeg-turbo-progs (.ci/run does)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Run runs a command in dir and fails the test on error.
func Run(t testing.TB, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// WithAPP2 returns a JPEG with an ICC profile inserted after its SOI, split
// across segments APP2 segments (ICC.1 Annex B), as cameras do for large
// profiles.
func WithAPP2(jpg, icc []byte, segments int) []byte {
	out := append([]byte{}, jpg[:2]...)
	per := (len(icc) + segments - 1) / segments
	for i := range segments {
		part := icc[min(i*per, len(icc)):min((i+1)*per, len(icc))]
		n := 2 + 12 + 2 + len(part)
		out = append(out, 0xff, 0xe2, byte(n>>8), byte(n))
		out = append(out, "ICC_PROFILE\x00"...)
		out = append(out, byte(i+1), byte(segments))
		out = append(out, part...)
	}
	return append(out, jpg[2:]...)
}

// Chart is a w×h test chart: hue sweeps from grey to full saturation,
// light to dark, and a strip of greys; what a gamut conversion moves.
func Chart(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			hue := float64(x) / float64(w) * 6
			v := 1 - 0.8*float64(y)/float64(h)
			s := math.Min(1, 2*float64(y)/float64(h))
			if y >= h*7/8 {
				s, v = 0, float64(x)/float64(w-1)
			}
			m.SetNRGBA(x, y, hsv(hue, s, v))
		}
	}
	return m
}

func hsv(h, s, v float64) color.NRGBA {
	i := math.Floor(h)
	f := h - i
	p, q, r := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	var c [3]float64
	switch int(i) % 6 {
	case 0:
		c = [3]float64{v, r, p}
	case 1:
		c = [3]float64{q, v, p}
	case 2:
		c = [3]float64{p, v, r}
	case 3:
		c = [3]float64{p, q, v}
	case 4:
		c = [3]float64{r, p, v}
	default:
		c = [3]float64{v, p, q}
	}
	return color.NRGBA{uint8(c[0]*255 + 0.5), uint8(c[1]*255 + 0.5), uint8(c[2]*255 + 0.5), 255}
}

// PSNR compares the RGB of two images of one size, in dB; +Inf when equal.
// maxDiff is the largest difference of one channel.
func PSNR(a, b image.Image) (psnr float64, maxDiff int) {
	r := a.Bounds()
	var sum float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA)
			cb := color.NRGBAModel.Convert(b.At(x-r.Min.X+b.Bounds().Min.X, y-r.Min.Y+b.Bounds().Min.Y)).(color.NRGBA)
			for _, d := range []int{int(ca.R) - int(cb.R), int(ca.G) - int(cb.G), int(ca.B) - int(cb.B)} {
				sum += float64(d * d)
				maxDiff = max(maxDiff, d, -d)
			}
		}
	}
	mse := sum / float64(3*r.Dx()*r.Dy())
	if mse == 0 {
		return math.Inf(1), 0
	}
	return 10 * math.Log10(255*255/mse), maxDiff
}

// DisplayP3 is the Display P3 profile pngd writes (colour.DisplayP3).
func DisplayP3() []byte { return colour.DisplayP3() }
