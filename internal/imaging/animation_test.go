package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kovidgoyal/imaging/nrgb"
	"github.com/pngd/pngd/internal/pngenc"
)

// gifOf encodes n w×h frames at (x, y) on a cw×ch canvas.
func gifOf(t *testing.T, cw, ch, n int, frame image.Rectangle) []byte {
	t.Helper()
	pal := color.Palette{color.Black, color.White}
	g := &gif.GIF{Config: image.Config{ColorModel: pal, Width: cw, Height: ch}}
	for i := range n {
		m := image.NewPaletted(frame, pal)
		m.Pix[i%len(m.Pix)] = 1
		g.Image = append(g.Image, m)
		g.Delay = append(g.Delay, 3)
		g.Disposal = append(g.Disposal, 0)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAnimationLimits: frames and frames × canvas pixels are counted from
// the file's frame table and refused before any frame is decoded; frames
// that lie off the canvas, in any format, are corrupt.
func TestAnimationLimits(t *testing.T) {
	lim := Limits{MaxPixels: 1 << 30}
	var frames *TooManyFramesError
	if _, err := ReadHeader(gifOf(t, 8, 8, DefaultMaxFrames+1, image.Rect(0, 0, 1, 1)), lim); !errors.As(err, &frames) || frames.Frames != DefaultMaxFrames+1 {
		t.Errorf("%d frames: %v", DefaultMaxFrames+1, err)
	}
	// 101 frames of 1×1 on a 1000×1000 canvas: 101 M pixels to show.
	if _, err := ReadHeader(gifOf(t, 1000, 1000, 101, image.Rect(0, 0, 1, 1)), lim); !errors.As(err, &frames) || frames.Pixels != 101_000_000 {
		t.Errorf("101 × 1000×1000: %v", err)
	}
	if h, err := ReadHeader(gifOf(t, 1000, 1000, 100, image.Rect(0, 0, 1, 1)), lim); err != nil || h.Frames != 100 || h.FramePixels != 100 {
		t.Errorf("100 × 1000×1000: %+v, %v", h, err)
	}
	if _, err := ReadHeader(gifOf(t, 8, 8, 5, image.Rect(0, 0, 2, 2)), Limits{MaxFrames: 4}); !errors.As(err, &frames) {
		t.Errorf("5 frames, limit 4: %v", err)
	}
	// A truncated animation is corrupt, at every length.
	whole := gifOf(t, 16, 16, 4, image.Rect(2, 2, 10, 10))
	for n := range len(whole) {
		if _, err := Decode(whole[:n], lim); err == nil && n < len(whole)-1 {
			t.Fatalf("a GIF cut at %d of %d bytes decoded", n, len(whole))
		}
	}

	var corrupt *CorruptError
	// An APNG whose frame claims to be far larger than its canvas.
	a := pngenc.Animation{Width: 4, Height: 4, Frames: []pngenc.Frame{{Image: image.NewNRGBA(image.Rect(0, 0, 4, 4))}, {Image: image.NewNRGBA(image.Rect(0, 0, 2, 2))}}}
	var buf bytes.Buffer
	if err := (&pngenc.Encoder{}).EncodeAnimation(&buf, a, pngenc.Meta{}); err != nil {
		t.Fatal(err)
	}
	huge := setFcTLSize(t, buf.Bytes(), 1, 40000, 40000)
	if _, err := ReadHeader(huge, lim); !errors.As(err, &corrupt) {
		t.Errorf("an fcTL of 40000×40000 on a 4×4 canvas: %v", err)
	}
	// An animated WebP whose frame's VP8L bitstream declares 16384×16384
	// under an ANMF of 1×1: the decoder would allocate 1 GiB.
	if _, err := ReadHeader(webpBomb(), lim); !errors.As(err, &corrupt) {
		t.Errorf("a 1×1 ANMF over a 16384² bitstream: %v", err)
	}
}

// setFcTLSize rewrites the size of the i-th fcTL of an APNG, with its CRC.
func setFcTLSize(t *testing.T, d []byte, i, w, h int) []byte {
	d = bytes.Clone(d)
	seen := 0
	for p := 8; p+12 <= len(d); {
		n := int(binary.BigEndian.Uint32(d[p:]))
		if string(d[p+4:p+8]) == "fcTL" {
			if seen == i {
				binary.BigEndian.PutUint32(d[p+12:], uint32(w))
				binary.BigEndian.PutUint32(d[p+16:], uint32(h))
				binary.BigEndian.PutUint32(d[p+8+n:], crc32.ChecksumIEEE(d[p+4:p+8+n]))
				return d
			}
			seen++
		}
		p += 12 + n
	}
	t.Fatal("no such fcTL")
	return nil
}

// webpBomb is an animated WebP: a 2×2 canvas, one 1×1 ANMF frame whose
// VP8L header says 16384×16384.
func webpBomb() []byte {
	le := binary.LittleEndian
	chunk := func(id string, body []byte) []byte {
		b := append([]byte(id), le.AppendUint32(nil, uint32(len(body)))...)
		b = append(b, body...)
		if len(body)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	vp8x := []byte{0x02, 0, 0, 0, 1, 0, 0, 1, 0, 0} // animation; canvas 2×2
	anim := []byte{0, 0, 0, 0, 0, 0}
	bits := uint32(16383) | uint32(16383)<<14
	vp8l := append([]byte{0x2f}, le.AppendUint32(nil, bits)...)
	anmf := append([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0}, chunk("VP8L", vp8l)...)
	body := append([]byte("WEBP"), chunk("VP8X", vp8x)...)
	body = append(body, chunk("ANIM", anim)...)
	body = append(body, chunk("ANMF", anmf)...)
	return append(append([]byte("RIFF"), le.AppendUint32(nil, uint32(len(body)))...), body...)
}

// TestAnimatedWebPAndAPNG: an animated WebP that ImageMagick writes, and an
// APNG, decode to every frame with its delay and the loop count.
func TestAnimatedWebPAndAPNG(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}} {
		m := image.NewNRGBA(image.Rect(0, 0, 24, 16))
		for p := 0; p < len(m.Pix); p += 4 {
			copy(m.Pix[p:], []uint8{c.R, c.G, c.B, c.A})
		}
		var buf bytes.Buffer
		png.Encode(&buf, m)
		os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".png"), buf.Bytes(), 0o644)
	}
	magick(t, dir, "-delay", "25", "a.png", "b.png", "c.png", "-define", "webp:lossless=true", "anim.webp")
	data, err := os.ReadFile(filepath.Join(dir, "anim.webp"))
	if err != nil {
		t.Fatal(err)
	}
	// ImageMagick 6 writes a loop count of 0 whatever -loop says: set
	// ANIM's to 2 (its chunk has no checksum).
	anim := bytes.Index(data, []byte("ANIM"))
	if anim < 0 {
		t.Fatal("no ANIM chunk")
	}
	binary.LittleEndian.PutUint16(data[anim+12:], 2)
	d, err := Decode(data, Limits{MaxPixels: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if d.Anim == nil || len(d.Anim.Frames) != 3 || d.Anim.Loops != 2 {
		t.Fatalf("animated WebP: %+v", d.Anim)
	}
	for i, f := range d.Anim.Frames {
		if f.DelayNum != 250 || f.DelayDen != 1000 {
			t.Errorf("WebP frame %d: delay %d/%d, want 250/1000", i, f.DelayNum, f.DelayDen)
		}
	}
	comp := NewComposer(d.Anim)
	for i, want := range []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}} {
		if got := comp.Next().RGBAAt(12, 8); got != want {
			t.Errorf("WebP frame %d composes to %v, want %v", i, got, want)
		}
	}

	var buf bytes.Buffer
	if err := (&pngenc.Encoder{}).EncodeAnimation(&buf, *d.Anim, pngenc.Meta{}); err != nil {
		t.Fatal(err)
	}
	again, err := Decode(buf.Bytes(), Limits{MaxPixels: 1 << 20})
	if err != nil || again.Anim == nil || len(again.Anim.Frames) != 3 || again.Anim.Loops != 2 || again.Anim.Frames[2].DelayNum != 250 {
		t.Fatalf("APNG round trip: %+v, %v", again.Anim, err)
	}
}

// TestToRGBA16: the fast paths give what At gives, for every 16-bit type a
// PNG decodes to.
func TestToRGBA16(t *testing.T) {
	r := image.Rect(2, 3, 9, 7)
	n := image.NewNRGBA64(r)
	g := image.NewGray16(r)
	a := image.NewRGBA64(r)
	for i := range n.Pix {
		n.Pix[i] = uint8(i*37 + 11)
		a.Pix[i] = uint8(i * 53)
	}
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 29)
	}
	for _, m := range []image.Image{n, g, a} {
		got := ToRGBA16(m)
		for y := range r.Dy() {
			for x := range r.Dx() {
				cr, cg, cb, ca := m.At(r.Min.X+x, r.Min.Y+y).RGBA()
				o := y*got.Stride + 4*x
				if want := []uint16{uint16(cr), uint16(cg), uint16(cb), uint16(ca)}; !slices.Equal(got.Pix[o:o+4], want) {
					t.Fatalf("%T at %d,%d: %v, want %v", m, x, y, got.Pix[o:o+4], want)
				}
			}
		}
	}
}

// TestMovedFastPaths: the APNG frame types copied row by row (opaque RGB,
// grey) give what image/draw's general path gives, at the moved bounds.
func TestMovedFastPaths(t *testing.T) {
	rect := image.Rect(3, 2, 13, 9)
	rgb := nrgb.NewNRGB(rect)
	grey := image.NewGray(rect)
	for i := range rgb.Pix {
		rgb.Pix[i] = uint8(i * 7)
	}
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 11)
	}
	for _, m := range []image.Image{rgb, grey} {
		got := moved(m, 5, -2)
		want := image.NewNRGBA(rect.Add(image.Pt(5, -2)))
		draw.Draw(want, want.Rect, m, rect.Min, draw.Src)
		g, ok := got.(*image.NRGBA)
		if !ok || g.Rect != want.Rect || !bytes.Equal(g.Pix, want.Pix) {
			t.Errorf("%T: moved to %v, want %v; pixels equal: %v", m, got.Bounds(), want.Rect, ok && bytes.Equal(g.Pix, want.Pix))
		}
	}
}
