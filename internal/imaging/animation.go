package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"

	"github.com/kovidgoyal/imaging/nrgb"
	"github.com/kovidgoyal/imaging/webp"

	"github.com/pngd/pngd/internal/pngenc"
)

// Defaults for Limits' animation fields.
const (
	DefaultMaxFrames      = 1000
	DefaultMaxFramePixels = 100_000_000 // frames × canvas pixels
)

// TooManyFramesError means an animation with more frames, or more pixels
// over all its frames, than allowed; no frame was decoded.
type TooManyFramesError struct {
	Format            Format
	Frames, MaxFrames int
	// Pixels is frames × canvas pixels: what showing every frame takes.
	Pixels, MaxPixels int64
}

func (e *TooManyFramesError) Error() string {
	return fmt.Sprintf("the %s animation has %d frames, %d pixels over all of them (frames × canvas); at most %d frames and %d pixels are accepted",
		formatName(e.Format), e.Frames, e.Pixels, e.MaxFrames, e.MaxPixels)
}

func formatName(f Format) string {
	switch f {
	case WebP:
		return "WebP"
	case PNG:
		return "APNG"
	}
	return string(bytes.ToUpper([]byte(f)))
}

// scanFrames reads an animation's frame table without decoding a pixel:
// how many frames there are, and their pixels in all. Every frame must lie
// on the canvas. A still image has one frame.
func scanFrames(f Format, data []byte, w, h int) (frames int, pixels int64, err error) {
	canvas := image.Rect(0, 0, w, h)
	var rects []image.Rectangle
	switch f {
	case GIF:
		rects, err = gifFrames(data)
	case PNG:
		rects, err = apngFrames(data)
	case WebP:
		rects, err = webpFrames(data)
	case AVIF:
		// An image sequence's frames are whole pictures.
		var n int
		if n, err = avifFrames(data); err == nil && n > 1 {
			return n, int64(n) * int64(w) * int64(h), nil
		}
	}
	if err != nil {
		return 0, 0, err
	}
	if len(rects) <= 1 {
		return 1, int64(w) * int64(h), nil
	}
	for i, r := range rects {
		if r.Empty() || !r.In(canvas) {
			return 0, 0, fmt.Errorf("frame %d, %v, lies outside the %d×%d canvas", i, r, w, h)
		}
		pixels += int64(r.Dx()) * int64(r.Dy())
	}
	return len(rects), pixels, nil
}

// gifFrames walks a GIF's blocks, skipping the compressed data, and
// returns each image descriptor's rectangle.
func gifFrames(d []byte) ([]image.Rectangle, error) {
	if len(d) < 13 {
		return nil, errors.New("short header")
	}
	i := 13
	if d[10]&0x80 != 0 { // global colour table
		i += 3 << (d[10]&7 + 1)
	}
	var rects []image.Rectangle
	skipBlocks := func() error {
		for {
			if i >= len(d) {
				return errors.New("data runs past the end")
			}
			n := int(d[i])
			i += 1 + n
			if n == 0 {
				return nil
			}
		}
	}
	for i < len(d) {
		switch d[i] {
		case 0x3b: // trailer
			return rects, nil
		case 0x21: // extension: label, then sub-blocks
			i += 2
			if err := skipBlocks(); err != nil {
				return nil, err
			}
		case 0x2c: // image descriptor
			if i+10 > len(d) {
				return nil, errors.New("short image descriptor")
			}
			le := binary.LittleEndian
			x, y := int(le.Uint16(d[i+1:])), int(le.Uint16(d[i+3:]))
			w, h := int(le.Uint16(d[i+5:])), int(le.Uint16(d[i+7:]))
			rects = append(rects, image.Rect(x, y, x+w, y+h))
			flags := d[i+9]
			i += 10
			if flags&0x80 != 0 { // local colour table
				i += 3 << (flags&7 + 1)
			}
			i++ // LZW minimum code size
			if err := skipBlocks(); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unknown block 0x%02x", d[i])
		}
	}
	return rects, nil // no trailer: the decoder says whether that matters
}

// apngFrames returns the rectangles of a PNG's fcTL chunks: none for a
// still PNG (no acTL before the first IDAT).
func apngFrames(d []byte) ([]image.Rectangle, error) {
	var rects []image.Rectangle
	animated := false
	for i := 8; i+12 <= len(d); {
		n := int64(binary.BigEndian.Uint32(d[i:]))
		typ := string(d[i+4 : i+8])
		if int64(i)+12+n > int64(len(d)) {
			return nil, errors.New("a chunk runs past the end")
		}
		body := d[i+8 : i+8+int(n)]
		switch typ {
		case "acTL":
			animated = true
		case "IDAT":
			if !animated {
				return nil, nil
			}
		case "fcTL":
			if len(body) < 26 {
				return nil, errors.New("a short fcTL")
			}
			be := binary.BigEndian
			w, h, x, y := be.Uint32(body[4:]), be.Uint32(body[8:]), be.Uint32(body[12:]), be.Uint32(body[16:])
			if w > 1<<24 || h > 1<<24 || x > 1<<24 || y > 1<<24 {
				return nil, errors.New("an fcTL of absurd size")
			}
			rects = append(rects, image.Rect(int(x), int(y), int(x+w), int(y+h)))
		case "IEND":
			return rects, nil
		}
		i += 12 + int(n)
	}
	return rects, nil
}

// webpFrames returns the rectangles of an animated WebP's ANMF chunks, and
// checks that each frame's own bitstream declares the same size: the VP8
// and VP8L decoders allocate what their headers say.
func webpFrames(d []byte) ([]image.Rectangle, error) {
	var rects []image.Rectangle
	le := binary.LittleEndian
	u24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
	for i := 12; i+8 <= len(d); {
		n := int64(le.Uint32(d[i+4:]))
		end := int64(i) + 8 + n
		if end > int64(len(d)) {
			return nil, errors.New("a chunk runs past the end")
		}
		if string(d[i:i+4]) == "ANMF" {
			body := d[i+8 : end]
			if len(body) < 16 {
				return nil, errors.New("a short ANMF")
			}
			x, y := 2*u24(body[0:]), 2*u24(body[3:])
			w, h := u24(body[6:])+1, u24(body[9:])+1
			if err := webpFrameSize(body[16:], w, h); err != nil {
				return nil, err
			}
			rects = append(rects, image.Rect(x, y, x+w, y+h))
		}
		i = int(end + end%2)
	}
	return rects, nil
}

// webpFrameSize checks the size a frame's VP8 or VP8L bitstream declares.
func webpFrameSize(sub []byte, w, h int) error {
	le := binary.LittleEndian
	for j := 0; j+8 <= len(sub); {
		n := int(le.Uint32(sub[j+4:]))
		if n < 0 || j+8+n > len(sub) {
			return errors.New("a frame's chunk runs past the end")
		}
		b := sub[j+8 : j+8+n]
		switch string(sub[j : j+4]) {
		case "VP8 ":
			if len(b) < 10 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
				return errors.New("a frame's VP8 header is damaged")
			}
			if fw, fh := int(le.Uint16(b[6:])&0x3fff), int(le.Uint16(b[8:])&0x3fff); fw != w || fh != h {
				return fmt.Errorf("a frame's VP8 bitstream is %d×%d, its ANMF %d×%d", fw, fh, w, h)
			}
			return nil
		case "VP8L":
			if len(b) < 5 || b[0] != 0x2f {
				return errors.New("a frame's VP8L header is damaged")
			}
			bits := le.Uint32(b[1:])
			if fw, fh := int(bits&0x3fff)+1, int(bits>>14&0x3fff)+1; fw != w || fh != h {
				return fmt.Errorf("a frame's VP8L bitstream is %d×%d, its ANMF %d×%d", fw, fh, w, h)
			}
			return nil
		}
		j += 8 + n + n%2
	}
	return errors.New("a frame without a VP8 or VP8L bitstream")
}

// decodeAnimation decodes every frame of an animated GIF, APNG or WebP,
// each at its place on the canvas, with its delay, disposal and blending.
// The first frame is made to cover the canvas, as APNG requires of it.
func decodeAnimation(f Format, data []byte, w, h int) (*pngenc.Animation, error) {
	a := &pngenc.Animation{Width: w, Height: h}
	switch f {
	case GIF:
		g, err := gif.DecodeAll(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		switch {
		case g.LoopCount < 0: // no loop extension: played once
			a.Loops = 1
		case g.LoopCount > 0: // repeated LoopCount times after the first
			a.Loops = uint32(g.LoopCount) + 1
		}
		for i, m := range g.Image {
			fr := pngenc.Frame{Image: m, DelayNum: uint16(max(g.Delay[i], 0)), DelayDen: 100, Blend: pngenc.BlendOver}
			switch g.Disposal[i] {
			case gif.DisposalBackground:
				fr.Dispose = pngenc.DisposeBackground
			case gif.DisposalPrevious:
				fr.Dispose = pngenc.DisposePrevious
			}
			a.Frames = append(a.Frames, fr)
		}
	case PNG:
		err := decodeAPNGFrames(data, a)
		if errors.Is(err, errAPNGLayout) {
			err = decodeAPNGGeneral(data, a)
		}
		if err != nil {
			return nil, err
		}
	case WebP:
		wp, err := webp.DecodeAnimated(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		a.Loops = uint32(wp.Header.LoopCount)
		for _, fr := range wp.Frames {
			hd := fr.Header
			out := pngenc.Frame{Image: moved(webpRGB(fr.Frame), int(hd.FrameX), int(hd.FrameY)), DelayNum: uint16(min(hd.FrameDuration, 65535)), DelayDen: 1000}
			if hd.AlphaBlend {
				out.Blend = pngenc.BlendOver
			}
			if hd.DisposalBitSet {
				out.Dispose = pngenc.DisposeBackground
			}
			a.Frames = append(a.Frames, out)
		}
	case AVIF:
		if err := decodeAVIFSequence(data, a); err != nil {
			return nil, err
		}
	}
	if len(a.Frames) == 0 {
		return nil, errors.New("an animation without frames")
	}
	canvas := image.Rect(0, 0, w, h)
	for i, fr := range a.Frames {
		if b := fr.Image.Bounds(); b.Empty() || !b.In(canvas) {
			return nil, fmt.Errorf("frame %d decoded to %v, outside the canvas", i, b)
		}
	}
	if first := a.Frames[0]; first.Image.Bounds() != canvas {
		full := image.NewNRGBA(canvas)
		draw.Draw(full, first.Image.Bounds(), first.Image, first.Image.Bounds().Min, draw.Src)
		a.Frames[0].Image, a.Frames[0].Blend = full, pngenc.BlendSource
	}
	return a, nil
}

// moved returns m with its bounds moved by (dx, dy): sharing its pixels for
// the types a GIF or an APNG frame decodes to as a rule, else a copy (at
// 16 bits for a deep image). An opaque APNG frame (RGB or grey) is copied
// to NRGBA row by row: through image/draw's general path, a pixel at a
// time, it was half the CPU of a derived animation.
func moved(m image.Image, dx, dy int) image.Image {
	d := image.Pt(dx, dy)
	switch m := m.(type) {
	case *image.Paletted:
		c := *m
		c.Rect = c.Rect.Add(d)
		return &c
	case *image.NRGBA:
		c := *m
		c.Rect = c.Rect.Add(d)
		return &c
	case *nrgb.Image: // an APNG's opaque RGB frame, as the APNG decoder returns it
		b := m.Bounds()
		c := image.NewNRGBA(b.Add(d))
		for y := range b.Dy() {
			src, dst := m.Pix[y*m.Stride:][:3*b.Dx()], c.Pix[y*c.Stride:][:4*b.Dx()]
			for x := range b.Dx() {
				s, o := src[3*x:3*x+3:3*x+3], dst[4*x:4*x+4:4*x+4]
				o[0], o[1], o[2], o[3] = s[0], s[1], s[2], 255
			}
		}
		return c
	case *image.Gray:
		b := m.Bounds()
		c := image.NewNRGBA(b.Add(d))
		for y := range b.Dy() {
			src, dst := m.Pix[y*m.Stride:][:b.Dx()], c.Pix[y*c.Stride:][:4*b.Dx()]
			for x, v := range src {
				o := dst[4*x : 4*x+4 : 4*x+4]
				o[0], o[1], o[2], o[3] = v, v, v, 255
			}
		}
		return c
	}
	// Anything else the general way: a pixel at a time, through colour
	// models (about 30 ns a pixel, with an allocation each).
	b := m.Bounds()
	var c draw.Image = image.NewNRGBA(b.Add(d))
	if Deep(m) {
		c = image.NewNRGBA64(b.Add(d))
	}
	draw.Draw(c, c.Bounds(), m, b.Min, draw.Src)
	return c
}

// Composer draws an animation's frames in turn onto an RGBA canvas, as a
// viewer shows them: each frame's disposal undone before the next.
type Composer struct {
	a      *pngenc.Animation
	canvas *image.RGBA
	saved  *image.RGBA // the area under a DisposePrevious frame
	next   int
}

// NewComposer starts composing a.
func NewComposer(a *pngenc.Animation) *Composer {
	return &Composer{a: a, canvas: image.NewRGBA(image.Rect(0, 0, a.Width, a.Height))}
}

// Next draws the next frame and returns the canvas, which the next call
// changes.
func (c *Composer) Next() *image.RGBA {
	if c.next > 0 {
		prev := c.a.Frames[c.next-1]
		r := prev.Image.Bounds()
		switch prev.Dispose {
		case pngenc.DisposeBackground:
			draw.Draw(c.canvas, r, image.Transparent, image.Point{}, draw.Src)
		case pngenc.DisposePrevious:
			draw.Draw(c.canvas, r, c.saved, r.Min, draw.Src)
		}
	}
	fr := c.a.Frames[c.next]
	r := fr.Image.Bounds()
	if fr.Dispose == pngenc.DisposePrevious {
		if c.saved == nil {
			c.saved = image.NewRGBA(c.canvas.Rect)
		}
		draw.Draw(c.saved, r, c.canvas, r.Min, draw.Src)
	}
	op := draw.Over
	if fr.Blend == pngenc.BlendSource {
		op = draw.Src
	}
	draw.Draw(c.canvas, r, fr.Image, r.Min, op)
	c.next++
	return c.canvas
}

// ComposerBytes is the memory a Composer holds for a w×h canvas.
func ComposerBytes(w, h int) int64 { return 8 * int64(w) * int64(h) }

// Changed is the smallest rectangle outside which a and b, of one size,
// are equal; a 1×1 one at the origin when they are equal everywhere (an
// APNG frame cannot be empty).
func Changed(a, b *image.RGBA) image.Rectangle {
	r := b.Rect
	w := r.Dx()
	minX, minY, maxX, maxY := w, r.Dy(), -1, -1
	for y := range r.Dy() {
		ra := a.Pix[y*a.Stride : y*a.Stride+4*w]
		rb := b.Pix[y*b.Stride : y*b.Stride+4*w]
		if bytes.Equal(ra, rb) {
			continue
		}
		minY, maxY = min(minY, y), y
		for x := 0; x < w; x++ {
			if string(ra[4*x:4*x+4]) != string(rb[4*x:4*x+4]) {
				minX = min(minX, x)
				break
			}
		}
		for x := w - 1; x >= 0; x-- {
			if string(ra[4*x:4*x+4]) != string(rb[4*x:4*x+4]) {
				maxX = max(maxX, x)
				break
			}
		}
	}
	if maxY < 0 {
		return image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Min.Y+1)
	}
	return image.Rect(r.Min.X+minX, r.Min.Y+minY, r.Min.X+maxX+1, r.Min.Y+maxY+1)
}
