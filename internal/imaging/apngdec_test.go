package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/pngd/pngd/internal/pngenc"
)

// generalAPNG decodes data with the general APNG decoder alone.
func generalAPNG(data []byte) (*pngenc.Animation, error) {
	a := &pngenc.Animation{}
	return a, decodeAPNGGeneral(data, a)
}

// sameAnimation reports how a and b differ, or "".
func sameAnimation(a, b *pngenc.Animation) string {
	if a.Loops != b.Loops || len(a.Frames) != len(b.Frames) {
		return "loops or frame counts"
	}
	for i := range a.Frames {
		fa, fb := a.Frames[i], b.Frames[i]
		if fa.DelayNum != fb.DelayNum || fa.DelayDen != fb.DelayDen || fa.Dispose != fb.Dispose || fa.Blend != fb.Blend {
			return "frame timing or ops"
		}
		ra, rb := fa.Image.Bounds(), fb.Image.Bounds()
		if ra != rb {
			return "frame bounds"
		}
		na, nb := image.NewNRGBA(ra), image.NewNRGBA(rb)
		draw.Draw(na, ra, fa.Image, ra.Min, draw.Src)
		draw.Draw(nb, rb, fb.Image, rb.Min, draw.Src)
		if !bytes.Equal(na.Pix, nb.Pix) {
			return "frame pixels"
		}
	}
	return ""
}

// testAnimations are APNGs as pngd's writer stores them: opaque RGB with
// frames of every size and place, RGBA, palette (with transparency), grey.
func testAnimations(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	frame := func(r image.Rectangle, seed int, kind string) image.Image {
		m := image.NewNRGBA(r)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				v := uint8(x*7 + y*13 + seed*31)
				c := color.NRGBA{v, uint8(x * y), uint8(seed * 50), 255}
				switch kind {
				case "rgba":
					c.A = uint8(x * 9)
				case "palette":
					c = color.NRGBA{uint8(x%4) * 60, uint8(y%3) * 80, 40, uint8(x%2) * 255}
				case "grey":
					c = color.NRGBA{v, v, v, 255}
				}
				m.SetNRGBA(x, y, c)
			}
		}
		return m
	}
	for _, kind := range []string{"rgb", "rgba", "palette", "grey"} {
		a := &pngenc.Animation{Width: 37, Height: 23, Loops: 3}
		for i, r := range []image.Rectangle{image.Rect(0, 0, 37, 23), image.Rect(5, 3, 20, 19), image.Rect(36, 22, 37, 23), image.Rect(0, 10, 37, 23)} {
			a.Frames = append(a.Frames, pngenc.Frame{Image: frame(r, i, kind), DelayNum: uint16(i + 1), DelayDen: 100,
				Dispose: pngenc.Dispose(i % 3), Blend: pngenc.Blend(i % 2)})
		}
		data, err := EncodeOriginalAnimation(a, nil)
		if err != nil {
			t.Fatal(err)
		}
		out[kind] = data
	}
	return out
}

// TestAPNGFramesAsTheGeneralDecoder: the parallel decoder gives the
// general one's frames, pixels, places, timings and ops, for every layout
// pngd's writer stores, and leaves the rest (16 bits) to it.
func TestAPNGFramesAsTheGeneralDecoder(t *testing.T) {
	for kind, data := range testAnimations(t) {
		want, err := generalAPNG(data)
		if err != nil {
			t.Fatal(err)
		}
		got := &pngenc.Animation{}
		if err := decodeAPNGFrames(data, got); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if d := sameAnimation(got, want); d != "" {
			t.Errorf("%s: the %s differ from the general decoder's", kind, d)
		}
	}
	deep := &pngenc.Animation{Width: 4, Height: 4, Frames: []pngenc.Frame{
		{Image: image.NewNRGBA64(image.Rect(0, 0, 4, 4))}, {Image: image.NewNRGBA64(image.Rect(0, 0, 4, 4))}}}
	deep.Frames[1].Image.(*image.NRGBA64).Pix[0] = 7
	data, err := EncodeOriginalAnimation(deep, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeAPNGFrames(data, &pngenc.Animation{}); !errors.Is(err, errAPNGLayout) {
		t.Errorf("a 16-bit APNG: %v, want it left to the general decoder", err)
	}
}

// FuzzAPNGFrames: on anything, the parallel decoder never refuses what the
// general one decodes (but where the general one skips a damaged CRC of a
// chunk it then uses, or reads less data than a frame needs), and where
// both decode they agree.
func FuzzAPNGFrames(f *testing.F) {
	for _, data := range testAnimations(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		if _, err := ReadHeader(data, Limits{MaxPixels: 1 << 16, MaxFrames: 64, MaxFramePixels: 1 << 18}); err != nil {
			return // refused before any decoder runs
		}
		got := &pngenc.Animation{}
		err := decodeAPNGFrames(data, got)
		if errors.Is(err, errAPNGLayout) {
			return
		}
		want, werr := generalAPNG(data)
		switch {
		case err == nil && werr == nil:
			if d := sameAnimation(got, want); d != "" {
				t.Fatalf("the %s differ from the general decoder's", d)
			}
		case err != nil && werr == nil:
			t.Fatalf("refused what the general decoder decodes: %v", err)
		}
	})
}
