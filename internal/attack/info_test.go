//go:build attack

package attack

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"strings"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/colour"
)

// TestHostileProfilesAndInfo: an ICC profile whose three TRC tags share a
// 2,000,000-point curve (4 MB) is refused at upload (the image stored as
// sRGB, the refusal logged); a profile just inside the bound is stored and
// parsed once; and /info, of those and of a 500-frame APNG, reads the
// stored PNG's first chunks only, however many ask at once.
func TestHostileProfilesAndInfo(t *testing.T) {
	s := start(t)
	hostile := pngWithProfile(t, colour.MatrixProfileCurve("Display P3", colour.PrimariesP3, colour.WhiteD65, colour.SRGBCurve, 2_000_000))
	bounded := pngWithProfile(t, colour.MatrixProfileCurve("Display P3, long curves", colour.PrimariesP3, colour.WhiteD65, colour.SRGBCurve, 43_000))
	var hostileIm, boundedIm, animIm string
	t.Run("uploads", func(t *testing.T) {
		cpu0 := s.cpu()
		s.attack(fmt.Sprintf("8 × upload of a PNG with a 4 MB profile: one 2,000,000-point curve, 3 uses (%d KB)", len(hostile)>>10), []int{200, 201}, func(tl *tally) {
			parallel(8, func(int) { s.do(s.req("POST", "/images", "image/png", bytes.NewReader(hostile)), tl) })
		})
		if cpu := s.cpu() - cpu0; cpu > 8*time.Second {
			t.Errorf("8 uploads took %v of CPU, want under a second each", cpu)
		}
		im := s.upload("image/png", hostile)
		if im.Colour.Embedded || im.Colour.Profile != "sRGB" {
			t.Errorf("the hostile profile was kept: %+v", im.Colour)
		}
		if !strings.Contains(s.log.String(), "curves of more than") {
			t.Errorf("the refused profile was not logged")
		}
		hostileIm = im.Url
		im = s.upload("image/png", bounded)
		if !im.Colour.Embedded {
			t.Errorf("the profile within the bound was dropped: %+v", im.Colour)
		}
		boundedIm = im.Url
		animIm = s.upload("image/gif", noisyAnimation(t, 200, 200, 500)).Url
	})
	for _, tc := range []struct {
		name string
		url  string
		n    int
	}{
		{"48 × GET /info of an image with a 129,000-point profile", boundedIm, 48},
		{"48 × GET /info of an image whose profile was refused", hostileIm, 48},
		{"200 × GET /info of a 500-frame APNG", animIm, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cpu0 := s.cpu()
			s.attack(tc.name, []int{200}, func(tl *tally) {
				parallel(tc.n, func(int) { s.do(s.req("GET", tc.url+"/info", "", nil), tl) })
			})
			if cpu := s.cpu() - cpu0; cpu.Seconds() > 0.05*float64(tc.n) {
				t.Errorf("%d /info answers took %v of CPU, over 50 ms each", tc.n, cpu)
			}
		})
	}
}

// pngWithProfile is a 64×64 PNG carrying profile in iCCP.
func pngWithProfile(t *testing.T, profile []byte) []byte {
	var z bytes.Buffer
	z.WriteString("hostile\x00\x00")
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(profile)
	zw.Close()
	p := tallPNG(t, 64, 64)
	// After the signature and IHDR (33 bytes).
	return append(append(append([]byte{}, p[:33]...), pngChunk("iCCP", z.Bytes())...), p[33:]...)
}

// noisyAnimation is a GIF of n frames of w×h noise.
func noisyAnimation(t *testing.T, w, h, n int) []byte {
	pal := color.Palette{}
	for i := range 256 {
		pal = append(pal, color.RGBA{uint8(i), uint8(i * 3), uint8(i * 7), 255})
	}
	g := &gif.GIF{}
	px := noise(w*h*n + 8)[8:]
	for i := range n {
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		copy(f.Pix, px[i*w*h:])
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 4)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
