package imaging

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// smartCorpus is the photographs and wallpapers of Debian packages that
// the smart crop is checked on: nobody here chose what is in them.
func smartCorpus() []string {
	sk := "/usr/lib/python3/dist-packages/skimage/data/"
	bg := "/usr/share/backgrounds/gnome/"
	var files []string
	for _, f := range []string{"astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "grass.png",
		"gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png", "motorcycle_left.png", "motorcycle_right.png", "retina.jpg",
		"rocket.jpg", "microaneurysms.png", "cell.png", "page.png"} {
		files = append(files, sk+f)
	}
	for _, f := range []string{"adwaita-l.webp", "licorice-d.webp", "pixels-l.webp", "wood-d.webp", "wood-l.webp", "vnc-l.webp"} {
		files = append(files, bg+f)
	}
	return files
}

// smartWindow is the part of m that a smart cover crop to w×h keeps, found
// as the library finds it: on the pyramid level it would render from.
func smartWindow(t testing.TB, m *image.RGBA, levels []*image.RGBA, w, h int) image.Rectangle {
	t.Helper()
	p := Params{W: w, H: h, Fit: Cover, Gravity: Smart}
	full := m.Rect.Size()
	pl, err := p.Plan(full, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	lvl := m
	if k := LevelFor(full, len(levels)+1, pl.Crop, pl.Resize); k > 0 {
		lvl = levels[k-1]
	}
	fx, fy := SmartFocus(lvl, Scale(image.Rectangle{Max: full}, full, lvl.Rect.Size()), Scale(pl.Crop, full, lvl.Rect.Size()).Size())
	pl, err = p.PlanContent(full, Content{FocusX: fx, FocusY: fy, Focus: true}, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return pl.Crop
}

func iou(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	i := float64(in.Dx() * in.Dy())
	return i / (float64(a.Dx()*a.Dy()+b.Dx()*b.Dy()) - i)
}

// TestSmartCropAgainstVips compares pngd's smart crop window with
// `vips smartcrop --interesting attention` for the same window size, on at
// least 20 photographs and wallpapers from Debian packages, for a square
// box and for a 16:9 one (9:16 on portrait images): the mean
// intersection-over-union must be at least 0.7.
func TestSmartCropAgainstVips(t *testing.T) {
	files := smartCorpus()
	colourtest.Need(t, []string{"vips", "vipsheader"}, files...)
	dir := t.TempDir()
	type result struct {
		name       string
		box        string
		pngd, vips image.Rectangle
		iou        float64
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Decode(data, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m := ToRGBA(d.Image)
		levels, err := Levels(t.Context(), m)
		if err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(dir, fmt.Sprintf("in%d.png", i))
		buf, err := EncodePNGSRGB(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		ReleaseBuffer(buf)
		sz := m.Rect.Size()
		boxes := [][2]int{{256, 256}, {448, 252}}
		if sz.Y > sz.X {
			boxes[1] = [2]int{252, 448}
		}
		for j, box := range boxes {
			ours := smartWindow(t, m, levels, box[0], box[1])
			if ours.Size() == sz {
				continue // the box has the image's shape: nothing to choose
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				out := filepath.Join(dir, fmt.Sprintf("out%d-%d.v", i, j))
				cmd := exec.Command("vips", "smartcrop", in, out, strconv.Itoa(ours.Dx()), strconv.Itoa(ours.Dy()), "--interesting", "attention")
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%s: vips smartcrop: %v: %s", f, err, b)
					return
				}
				off := func(field string) int {
					b, err := exec.Command("vipsheader", "-f", field, out).Output()
					if err != nil {
						t.Errorf("vipsheader %s: %v", field, err)
					}
					v, _ := strconv.Atoi(strings.TrimSpace(string(b)))
					return v
				}
				// vips records where the input sits relative to the crop.
				x, y := -off("xoffset"), -off("yoffset")
				os.Remove(out)
				theirs := image.Rect(x, y, x+ours.Dx(), y+ours.Dy())
				mu.Lock()
				results = append(results, result{filepath.Base(f), fmt.Sprintf("%dx%d", box[0], box[1]), ours, theirs, iou(ours, theirs)})
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	if len(results) < 20 {
		t.Fatalf("%d crops compared, want at least 20", len(results))
	}
	sum, worst := 0.0, results[0]
	for _, r := range results {
		sum += r.iou
		if r.iou < worst.iou {
			worst = r
		}
		t.Logf("%-22s %-8s pngd %v vips %v IoU %.3f", r.name, r.box, r.pngd, r.vips, r.iou)
	}
	mean := sum / float64(len(results))
	t.Logf("smart crop vs vips smartcrop --interesting attention: %d crops of %d files, mean IoU %.3f, worst %.3f (%s %s)",
		len(results), len(files), mean, worst.iou, worst.name, worst.box)
	if mean < 0.7 {
		t.Errorf("mean IoU %.3f, want at least 0.7", mean)
	}
}
