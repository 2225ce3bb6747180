package pngenc

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestIndependentDecoders writes every corpus image in both modes, and an
// APNG of corpus photos, and has libpng (through pngcheck -v) and
// ImageMagick (compare -metric AE against the corpus file) read them:
// pngcheck finds no error, and not one pixel differs. The corpus and both
// tools come from Debian packages (mkcorpus.sh; .ci/run installs them).
func TestIndependentDecoders(t *testing.T) {
	for _, tool := range []string{"pngcheck", "compare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: apt-get install pngcheck imagemagick", tool)
		}
	}
	corpus := loadCorpus(t)["all"]
	dir := t.TempDir()
	for _, c := range corpus {
		for _, mode := range []Mode{Fast, Stored} {
			name := strings.TrimSuffix(c.name, ".png") + map[Mode]string{Fast: "-fast", Stored: "-stored"}[mode] + ".png"
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var buf bytes.Buffer
				if err := (&Encoder{Mode: mode}).Encode(&buf, c.img); err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(dir, name)
				if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				pngcheck(t, out)
				cmd := exec.Command("compare", "-metric", "AE", filepath.Join(corpusDir(), c.name), out, "null:")
				got, err := cmd.CombinedOutput() // exit status 1 means "differ"
				if strings.TrimSpace(string(got)) != "0" {
					t.Errorf("ImageMagick counts %q differing pixels (%v)", got, err)
				}
			})
		}
	}
	t.Run("apng", func(t *testing.T) {
		var frames []Frame
		var canvas image.Rectangle
		for _, c := range corpus {
			if strings.HasPrefix(c.name, "photo-") && len(frames) < 4 {
				if canvas.Empty() {
					canvas = c.img.Bounds()
				}
				frames = append(frames, Frame{Image: crop(c.img, canvas), DelayNum: 10, Dispose: DisposeBackground})
			}
		}
		var buf bytes.Buffer
		if err := (&Encoder{}).EncodeAnimation(&buf, Animation{Width: canvas.Dx(), Height: canvas.Dy(), Frames: frames}, Meta{SRGB: true}); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "anim.png")
		os.WriteFile(out, buf.Bytes(), 0o644)
		text := pngcheck(t, out)
		if !strings.Contains(text, "acTL") || strings.Count(text, "fcTL") != len(frames) {
			t.Errorf("pngcheck does not see %d frames:\n%s", len(frames), text)
		}
	})
}

// pngcheck runs pngcheck -v on file and fails unless it finds no error.
func pngcheck(t *testing.T, file string) string {
	t.Helper()
	out, err := exec.Command("pngcheck", "-v", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No errors detected") {
		t.Errorf("pngcheck: %v\n%s", err, out)
	}
	return string(out)
}

// crop returns the part of m in r (m's origin at r's), as an NRGBA image
// with r's bounds, so that frames of different sources share a canvas.
func crop(m image.Image, r image.Rectangle) image.Image {
	out := image.NewNRGBA(r)
	mb := m.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if p := image.Pt(x-r.Min.X+mb.Min.X, y-r.Min.Y+mb.Min.Y); p.In(mb) {
				out.Set(x, y, m.At(p.X, p.Y))
			}
		}
	}
	return out
}

// TestPackedPalettes: images of 2 to 17 colours, of every width from 1 to
// 9 (rows that end mid-byte), are written at 1, 2, 4 or 8 bits, and read
// back exactly by image/png and without complaint by pngcheck.
func TestPackedPalettes(t *testing.T) {
	if _, err := exec.LookPath("pngcheck"); err != nil {
		t.Fatal("pngcheck is not installed: apt-get install pngcheck")
	}
	dir := t.TempDir()
	for _, c := range []struct{ colours, depth int }{{2, 1}, {3, 2}, {4, 2}, {5, 4}, {16, 4}, {17, 8}} {
		for w := 1; w <= 9; w++ {
			pal := make(color.Palette, c.colours)
			for i := range pal {
				pal[i] = color.NRGBA{uint8(i * 15), uint8(255 - i*13), 77, uint8(255 - i%2*100)}
			}
			m := image.NewPaletted(image.Rect(0, 0, w, 5), pal)
			for i := range m.Pix {
				m.Pix[i] = uint8((i*7 + i/3) % c.colours)
			}
			var buf bytes.Buffer
			if err := Encode(&buf, m); err != nil {
				t.Fatal(err)
			}
			if got := int(buf.Bytes()[24]); got != c.depth {
				t.Errorf("%d colours: depth %d, want %d", c.colours, got, c.depth)
			}
			back, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%d colours, width %d: %v", c.colours, w, err)
			}
			for y := range 5 {
				for x := range w {
					if g, want := color.NRGBAModel.Convert(back.At(x, y)), color.NRGBAModel.Convert(m.At(x, y)); g != want {
						t.Fatalf("%d colours, width %d, (%d,%d): %v, want %v", c.colours, w, x, y, g, want)
					}
				}
			}
			out := filepath.Join(dir, fmt.Sprintf("p%d-w%d.png", c.colours, w))
			os.WriteFile(out, buf.Bytes(), 0o644)
			pngcheck(t, out)
		}
	}
}
