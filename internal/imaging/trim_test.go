package imaging

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// TestTrimAgainstVips makes scans, photographs and a screenshot with
// borders (ImageMagick -bordercolor -border, some with noise over them),
// and checks that FindTrim finds the box `vips find_trim` finds with the
// same threshold and background (the top-left pixel).
func TestTrimAgainstVips(t *testing.T) {
	sk := "/usr/lib/python3/dist-packages/skimage/data/"
	colourtest.Need(t, []string{"vips", "convert"}, sk+"camera.png")
	dir := t.TempDir()
	cases := []struct {
		name      string
		make      []string // convert's arguments, the output last
		threshold float64
	}{
		{"scan, white border", []string{sk + "page.png", "-bordercolor", "white", "-border", "30x10"}, 10},
		{"photo, coloured border, uniform noise", []string{sk + "camera.png", "-bordercolor", "#f0e8e0", "-border", "23x41", "-attenuate", "0.4", "+noise", "Uniform"}, 20},
		{"photo, black border, gaussian noise", []string{sk + "astronaut.png", "-bordercolor", "black", "-border", "7x19", "-attenuate", "0.5", "+noise", "Gaussian"}, 25},
		{"photo, salt and pepper", []string{sk + "coffee.png", "-bordercolor", "#808080", "-border", "50x3", "-attenuate", "0.2", "+noise", "Impulse"}, 30},
		{"screenshot", []string{"-size", "400x300", "xc:#2b2b2b", "-fill", "#e0e0e0", "-draw", "rectangle 40,30 360,250",
			"-fill", "#3070f0", "-draw", "rectangle 60,60 200,120"}, 10},
		{"asymmetric border", []string{sk + "chelsea.png", "-background", "#ffffff", "-gravity", "northwest", "-splice", "13x29",
			"-gravity", "southeast", "-splice", "41x2"}, 5},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(dir, fmt.Sprintf("b%d.png", i))
			args := append(append([]string{"-seed", "7"}, c.make...), "-type", "TrueColor", "PNG24:"+f) // the same noise every run
			if b, err := exec.Command("convert", args...).CombinedOutput(); err != nil {
				t.Fatalf("convert: %v: %s", err, b)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Decode(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			m := ToRGBA(d.Image)
			got := FindTrim(m, c.threshold)
			bg := fmt.Sprintf("%d %d %d", m.Pix[0], m.Pix[1], m.Pix[2])
			out, err := exec.Command("vips", "find_trim", f, "--threshold", strconv.FormatFloat(c.threshold, 'g', -1, 64), "--background", bg).Output()
			if err != nil {
				t.Fatalf("vips find_trim: %v", err)
			}
			var v [4]int
			for j, s := range strings.Fields(string(out)) {
				v[j], _ = strconv.Atoi(s)
			}
			want := image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3])
			t.Logf("%v of %v: pngd %v, vips find_trim %v", c.name, m.Rect.Size(), got, want)
			// Exactly the same box, but for one pixel an edge where the
			// noise lies across it: a 3×3 median at the image's edge is
			// where two implementations may differ (vips 8.14 keeps one
			// row less than pngd under the salt and pepper).
			tol := 0
			if strings.Contains(c.name, "noise") || strings.Contains(c.name, "salt") {
				tol = 1
			}
			diff := [4]int{got.Min.X - want.Min.X, got.Min.Y - want.Min.Y, got.Max.X - want.Max.X, got.Max.Y - want.Max.Y}
			for _, e := range diff {
				if e > tol || -e > tol {
					t.Errorf("FindTrim = %v, vips find_trim %v: more than %d pixels apart", got, want, tol)
					break
				}
			}
		})
	}
}

// TestTrimTransparent checks that a transparent border is cut exactly, and
// that an image that is all border is kept whole.
func TestTrimTransparent(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 100, 80))
	for y := 5; y < 61; y++ {
		for x := 12; x < 90; x++ {
			a := uint8(255)
			if (x+y)%7 == 0 {
				a = 40 // half-transparent pixels inside count as picture
			}
			copy(m.Pix[m.PixOffset(x, y):], []uint8{a / 2, a / 3, a, a})
		}
	}
	if got, want := FindTrim(m, 10), image.Rect(12, 5, 90, 61); got != want {
		t.Errorf("FindTrim = %v, want %v", got, want)
	}
	blank := image.NewRGBA(image.Rect(0, 0, 30, 20))
	if got := FindTrim(blank, 10); got != blank.Rect {
		t.Errorf("FindTrim of a blank image = %v, want it whole", got)
	}
	m16 := ToRGBA16(m)
	if got, want := FindTrim16(m16, 10), image.Rect(12, 5, 90, 61); got != want {
		t.Errorf("FindTrim16 = %v, want %v", got, want)
	}
}
