package imaging

import (
	"bytes"

	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zlib"
	"github.com/kovidgoyal/imaging/apng"
	"github.com/pngd/pngd/internal/pngenc"
)

// An APNG's frames are independent zlib streams (each frame's IDAT or
// fdAT chunks), so they can be inflated and unfiltered side by side. The
// APNG decoder pngd otherwise uses (github.com/kovidgoyal/imaging/apng)
// does one after another; inflating was a third of the CPU of a derived
// animation, all of it on one core. decodeAPNGFrames handles the layouts
// pngd's own writer stores (8-bit RGB, RGBA and palette, grey, not
// interlaced) and leaves every other one to that decoder.

// apngFrame is one frame of an APNG as its fcTL chunk describes it, with
// its compressed data.
type apngFrame struct {
	w, h, x, y         int
	delayNum, delayDen uint16
	dispose, blend     uint8
	isDefault          bool     // the IDAT image, shown without APNG, and not a frame
	parts              [][]byte // the zlib stream, in its chunks' pieces
	img                image.Image
}

// errAPNGLayout means decodeAPNGFrames leaves the file to the general
// decoder.
var errAPNGLayout = errors.New("a layout decodeAPNGFrames leaves to the general APNG decoder")

// decodeAPNGFrames decodes data's frames into a. It returns errAPNGLayout,
// before decoding anything, for a layout it does not handle.
func decodeAPNGFrames(data []byte, a *pngenc.Animation) error {
	if len(data) < 8 || string(data[:8]) != pngSignature {
		return errAPNGLayout
	}
	be := binary.BigEndian
	var (
		w, h, ctype int
		palette     color.Palette
		trns        []byte
		frames      []*apngFrame
		cur         *apngFrame
		seenIDAT    bool
		loops       uint32
		actl        bool
	)
	for pos := 8; ; {
		if len(data)-pos < 12 {
			return errors.New("it ends before its IEND chunk")
		}
		n := int(be.Uint32(data[pos:]))
		if n < 0 || n > len(data)-pos-12 {
			return fmt.Errorf("a chunk of %d bytes past the end", n)
		}
		typ, body := string(data[pos+4:pos+8]), data[pos+8:pos+8+n]
		crc := be.Uint32(data[pos+8+n:])
		pos += 12 + n
		critical := typ == "IHDR" || typ == "PLTE" || typ == "IDAT" || typ == "fdAT" || typ == "fcTL" || typ == "acTL" || typ == "tRNS"
		if critical && crc32.ChecksumIEEE(data[pos-n-8:pos-4]) != crc {
			return fmt.Errorf("the %s chunk's CRC does not match", typ)
		}
		switch typ {
		case "IHDR":
			if n != 13 || w != 0 {
				return errors.New("a damaged IHDR chunk")
			}
			w, h, ctype = int(be.Uint32(body)), int(be.Uint32(body[4:])), int(body[9])
			if body[8] != 8 || body[12] != 0 || body[10] != 0 || body[11] != 0 {
				return errAPNGLayout // other depths, interlaced: the general decoder
			}
			switch ctype {
			case 0, 2, 3, 6:
			default:
				return errAPNGLayout
			}
			if w <= 0 || h <= 0 || w > 1<<24 || h > 1<<24 {
				return fmt.Errorf("a size of %d×%d", w, h)
			}
		case "PLTE":
			if n%3 != 0 || n > 768 || palette != nil {
				return errors.New("a damaged PLTE chunk")
			}
			for i := 0; i < n; i += 3 {
				palette = append(palette, color.NRGBA{body[i], body[i+1], body[i+2], 255})
			}
		case "tRNS":
			if ctype != 3 {
				return errAPNGLayout // a transparent colour key: the general decoder
			}
			trns = body
		case "acTL":
			if n != 8 || seenIDAT {
				return errAPNGLayout
			}
			actl, loops = true, be.Uint32(body[4:])
		case "fcTL":
			if n != 26 || w == 0 {
				return errors.New("a damaged fcTL chunk")
			}
			cur = &apngFrame{
				w: int(be.Uint32(body[4:])), h: int(be.Uint32(body[8:])), x: int(be.Uint32(body[12:])), y: int(be.Uint32(body[16:])),
				delayNum: be.Uint16(body[20:]), delayDen: be.Uint16(body[22:]), dispose: body[24], blend: body[25],
			}
			if cur.w <= 0 || cur.h <= 0 || cur.x < 0 || cur.y < 0 || cur.x+cur.w > w || cur.y+cur.h > h {
				return fmt.Errorf("frame %d's region (%d×%d at %d,%d) outside the %d×%d canvas", len(frames), cur.w, cur.h, cur.x, cur.y, w, h)
			}
			if !seenIDAT && len(frames) > 0 {
				return errAPNGLayout
			}
			frames = append(frames, cur)
		case "IDAT":
			if w == 0 {
				return errors.New("an IDAT chunk before IHDR")
			}
			if !seenIDAT {
				seenIDAT = true
				if cur == nil { // no fcTL before IDAT: the default image is not a frame
					cur = &apngFrame{w: w, h: h, isDefault: true}
					frames = append(frames, cur)
				} else if cur.w != w || cur.h != h || cur.x != 0 || cur.y != 0 {
					return errors.New("the first frame is not the whole canvas")
				}
			}
			cur.parts = append(cur.parts, body)
		case "fdAT":
			if n < 4 || cur == nil || !seenIDAT || cur.isDefault {
				return errors.New("an fdAT chunk outside a frame")
			}
			cur.parts = append(cur.parts, body[4:])
		case "IEND":
			if !actl {
				return errAPNGLayout
			}
			return decodeAPNGData(frames, ctype, palette, trns, loops, a)
		}
	}
}

const pngSignature = "\x89PNG\r\n\x1a\n"

// decodeAPNGData inflates and unfilters frames side by side, one
// goroutine per CPU, and puts them in a.
func decodeAPNGData(frames []*apngFrame, ctype int, palette color.Palette, trns []byte, loops uint32, a *pngenc.Animation) error {
	if ctype == 3 {
		if len(palette) == 0 {
			return errors.New("a palette image without a PLTE chunk")
		}
		for i, t := range trns {
			if i < len(palette) {
				c := palette[i].(color.NRGBA)
				c.A = t
				palette[i] = c
			}
		}
	}
	for i, f := range frames {
		if len(f.parts) == 0 {
			return fmt.Errorf("frame %d has no data", i)
		}
	}
	errs := make([]error, len(frames))
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(frames)) {
		wg.Go(func() {
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= len(frames) {
					return
				}
				f := frames[k]
				f.img, errs[k] = inflateFrame(f, ctype, palette)
				if errs[k] != nil {
					next.Lock()
					i = len(frames) // the others stop
					next.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			return fmt.Errorf("frame %d: %w", k, err)
		}
	}
	a.Loops = loops
	for _, f := range frames {
		if f.isDefault {
			continue
		}
		a.Frames = append(a.Frames, pngenc.Frame{
			Image: f.img, DelayNum: f.delayNum, DelayDen: f.delayDen,
			Dispose: pngenc.Dispose(min(f.dispose, 2)), Blend: pngenc.Blend(min(f.blend, 1)),
		})
	}
	return nil
}

// inflateFrame inflates and unfilters one frame, at its place on the
// canvas: as NRGBA, or Paletted for a palette image.
func inflateFrame(f *apngFrame, ctype int, palette color.Palette) (image.Image, error) {
	bpp := map[int]int{0: 1, 2: 3, 3: 1, 6: 4}[ctype]
	row := 1 + bpp*f.w
	raw := make([]byte, row*f.h)
	zr, err := zlib.NewReader(io.MultiReader(readers(f.parts)...))
	if err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(zr, raw); err != nil {
		return nil, fmt.Errorf("its data: %w", err)
	}
	prev := make([]byte, row)
	for y := range f.h {
		cur := raw[y*row : (y+1)*row]
		if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
			return nil, err
		}
		prev = cur
	}
	rect := image.Rect(f.x, f.y, f.x+f.w, f.y+f.h)
	if ctype == 3 {
		m := image.NewPaletted(rect, palette)
		for y := range f.h {
			src := raw[y*row+1 : (y+1)*row]
			for _, v := range src {
				if int(v) >= len(palette) {
					return nil, errors.New("a pixel outside the palette")
				}
			}
			copy(m.Pix[y*m.Stride:], src)
		}
		return m, nil
	}
	m := image.NewNRGBA(rect)
	for y := range f.h {
		src, dst := raw[y*row+1:(y+1)*row], m.Pix[y*m.Stride:][:4*f.w]
		switch ctype {
		case 6:
			copy(dst, src)
		case 2:
			for x := range f.w {
				s, o := src[3*x:3*x+3:3*x+3], dst[4*x:4*x+4:4*x+4]
				o[0], o[1], o[2], o[3] = s[0], s[1], s[2], 255
			}
		case 0:
			for x, v := range src {
				o := dst[4*x : 4*x+4 : 4*x+4]
				o[0], o[1], o[2], o[3] = v, v, v, 255
			}
		}
	}
	return m, nil
}

func readers(parts [][]byte) []io.Reader {
	rs := make([]io.Reader, len(parts))
	for i, p := range parts {
		rs[i] = bytes.NewReader(p)
	}
	return rs
}

// unfilter undoes a PNG row filter (PNG, 9.2) in place: cur is the row,
// prev the row above it, unfiltered (zeros for the first).
func unfilter(filter byte, cur, prev []byte, bpp int) error {
	switch filter {
	case 0:
	case 1:
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2:
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3:
		for i := range bpp {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4:
		for i := range bpp {
			cur[i] += prev[i] // Paeth with a = c = 0 predicts b
		}
		for i := bpp; i < len(cur); i++ {
			a, b, c := int(cur[i-bpp]), int(prev[i]), int(prev[i-bpp])
			p := a + b - c
			pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
			switch {
			case pa <= pb && pa <= pc:
				cur[i] += uint8(a)
			case pb <= pc:
				cur[i] += uint8(b)
			default:
				cur[i] += uint8(c)
			}
		}
	default:
		return fmt.Errorf("a row filter of type %d", filter)
	}
	return nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// decodeAPNGGeneral decodes data's frames into a with the general APNG
// decoder, for the layouts decodeAPNGFrames leaves to it.
func decodeAPNGGeneral(data []byte, a *pngenc.Animation) error {
	p, err := apng.DecodeAll(bytes.NewReader(data))
	if err != nil {
		return err
	}
	a.Loops = uint32(p.LoopCount)
	for _, fr := range p.Frames {
		if fr.IsDefault {
			continue // the still image shown without APNG, not a frame
		}
		if fr.Image == nil { // an fcTL without data
			return errors.New("a frame without data")
		}
		a.Frames = append(a.Frames, pngenc.Frame{
			Image: moved(fr.Image, fr.XOffset, fr.YOffset), DelayNum: fr.DelayNumerator, DelayDen: fr.DelayDenominator,
			Dispose: pngenc.Dispose(min(fr.DisposeOp, 2)), Blend: pngenc.Blend(min(fr.BlendOp, 1)),
		})
	}
	return nil
}
