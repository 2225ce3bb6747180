package library

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/colour/colourtest"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/pngenc"
	"github.com/pngd/pngd/internal/store"
)

// countingStore counts the bytes OpenRange is asked for, of the stored
// PNGs (asked) and of the objects beside them (aside: placeholders).
type countingStore struct {
	*store.Store
	asked, aside atomic.Int64
}

func (c *countingStore) OpenRange(ctx context.Context, key string, offset, length int64) (*store.Reader, error) {
	r, err := c.Store.OpenRange(ctx, key, offset, length)
	if err == nil {
		if length < 0 {
			length = r.Size() - offset
		}
		if strings.HasPrefix(key, derivedPrefix) {
			c.aside.Add(length)
		} else {
			c.asked.Add(length)
		}
	}
	return r, err
}

// TestInfoIsASmallRead: /info of any stored image reads only its first
// headBytes, an animation of 200 frames and a profile included: what it
// tells is in IHDR, acTL, plAY and iCCP's name, which pngd writes first.
// Its placeholders are one small object more, as the upload made them.
func TestInfoIsASmallRead(t *testing.T) {
	_, st := openLibrary(t)
	cs := &countingStore{Store: st}
	lib := New(cs, Options{})

	var anim bytes.Buffer
	g := noisyGIF(photoLike(64, 48), 200)
	g.Delay[0] = 123 // 1.23 s, then 199 × 40 ms
	if err := gif.EncodeAll(&anim, g); err != nil {
		t.Fatal(err)
	}
	var p3 bytes.Buffer
	if err := (&pngenc.Encoder{}).EncodeMeta(&p3, photoLike(30, 20), pngenc.Meta{ICC: colourtest.DisplayP3()}); err != nil {
		t.Fatal(err)
	}
	prof, err := colour.Parse(colourtest.DisplayP3())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		data   []byte
		colour Colour
		anim   *Animation
	}{
		{"still, sRGB", pngOf(t, 30, 20), Colour{Space: "RGB", Profile: "sRGB"}, nil},
		{"still, Display P3", p3.Bytes(), Colour{Space: "RGB", Profile: imaging.ICCName(prof.Description), Embedded: true}, nil},
		{"200-frame animation", anim.Bytes(), Colour{Space: "RGB", Profile: "sRGB"}, &Animation{Frames: 200, Duration: 1230*time.Millisecond + 199*40*time.Millisecond}},
	} {
		t.Run(c.name, func(t *testing.T) {
			im := stored(t, lib, c.data)
			cs.asked.Store(0)
			info, err := lib.Info(t.Context(), im.ID)
			if err != nil {
				t.Fatal(err)
			}
			if asked := cs.asked.Load(); asked > headBytes {
				t.Errorf("Info read %d bytes of a %d-byte PNG; want at most %d", asked, im.Size, headBytes)
			}
			if aside := cs.aside.Load(); aside > 4096 || info.Placeholder == nil || info.Placeholder.ThumbHash != im.Placeholder.ThumbHash {
				t.Errorf("Info read %d bytes beside the PNG; placeholders %+v, upload's %+v", aside, info.Placeholder, im.Placeholder)
			}
			cs.aside.Store(0)
			if *info.Colour != c.colour || *im.Colour != c.colour {
				t.Errorf("colour: Info %+v, upload %+v; want %+v", *info.Colour, *im.Colour, c.colour)
			}
			if (info.Animation == nil) != (c.anim == nil) || c.anim != nil && (*info.Animation != *c.anim || *im.Animation != *c.anim) {
				t.Errorf("animation: Info %+v, upload %+v; want %+v", info.Animation, im.Animation, c.anim)
			}
		})
	}
}

// TestInfoOfAnAPNGWithoutPlay: an APNG stored without plAY (as pngd wrote
// them before) still gets its duration, from its frame controls read as a
// stream.
func TestInfoOfAnAPNGWithoutPlay(t *testing.T) {
	lib, st := openLibrary(t)
	a := &pngenc.Animation{Width: 8, Height: 8, Loops: 3}
	for i := range 3 {
		m := image.NewNRGBA(image.Rect(0, 0, 8, 8))
		m.Pix[0] = uint8(i)
		a.Frames = append(a.Frames, pngenc.Frame{Image: m, DelayNum: uint16(i + 1), DelayDen: 10})
	}
	data, err := imaging.EncodeOriginalAnimation(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := "0000000000000000000000000000000000000000000000000000000000000001"
	if _, _, err := st.Put(t.Context(), key(id), data, "image/png"); err != nil {
		t.Fatal(err)
	}
	info, err := lib.Info(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Animation{Frames: 3, Loops: 3, Duration: 600 * time.Millisecond}); info.Animation == nil || *info.Animation != want {
		t.Errorf("animation %+v, want %+v", info.Animation, want)
	}
}

// TestParseHead: what the first bytes of a stored PNG say, however they
// are cut.
func TestParseHead(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 5, 4))
	var buf bytes.Buffer
	grey := make([]byte, 128) // what pngenc looks at of a profile: its colour space
	copy(grey[16:], "GRAY")
	if err := (&pngenc.Encoder{}).EncodeMeta(&buf, m, pngenc.Meta{ICC: grey, ICCName: "Grey D50"}); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	h, err := parseHead(full[:headBytes])
	if err != nil || h.im.Width != 5 || h.im.Height != 4 || *h.im.Colour != (Colour{Space: "GRAY", Profile: "Grey D50", Embedded: true}) {
		t.Errorf("parseHead: %+v %+v, %v", h.im, h.im.Colour, err)
	}
	for n := range 33 {
		if _, err := parseHead(full[:n]); err == nil {
			t.Errorf("parseHead of %d bytes: no error", n)
		}
	}
	for n := 33; n <= len(full); n++ {
		parseHead(full[:n]) // never panics
	}
}
