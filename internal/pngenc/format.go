package pngenc

import (
	"encoding/binary"
	"image"
	"image/color"
	"sync"
)

// PNG colour types (PNG §11.2.2).
const (
	ctGray      = 0
	ctRGB       = 2
	ctPaletted  = 3
	ctGrayAlpha = 4
	ctRGBA      = 6
)

type rgba8 struct{ r, g, b, a uint8 }

// format is what Encode writes for an image: its colour type and depth,
// the palette for a paletted one, and how to make each row's raw bytes.
type format struct {
	colorType, depth uint8
	bpp              int // bytes per complete pixel, at least 1 (for the filters)
	palette          []rgba8
	// rows returns a function writing row y's raw bytes into dst. Each
	// call gets its own scratch, so strips can be made in parallel.
	rows func() func(dst []byte, y int)
}

func (f format) rowBytes(width int) int {
	channels := map[uint8]int{ctGray: 1, ctRGB: 3, ctPaletted: 1, ctGrayAlpha: 2, ctRGBA: 4}[f.colorType]
	return (width*channels*int(f.depth) + 7) / 8
}

// packed writes a paletted format of at most 16 colours at the smallest
// depth that holds its indices, 1, 2 or 4 bits, the leftmost pixel in the
// high bits (PNG §7.2): a half to an eighth of the bytes to filter and
// deflate.
func packed(f format, w int) format {
	n := len(f.palette)
	if f.colorType != ctPaletted || f.depth != 8 || n > 16 {
		return f
	}
	f.depth = 4
	if n <= 4 {
		f.depth = 2
	}
	if n <= 2 {
		f.depth = 1
	}
	depth, rows := int(f.depth), f.rows
	f.rows = func() func([]byte, int) {
		row, idx := rows(), make([]byte, w)
		per := 8 / depth
		return func(dst []byte, y int) {
			row(idx, y)
			clear(dst)
			for x, v := range idx {
				dst[x/per] |= v << (8 - depth*(x%per+1))
			}
		}
	}
	return f
}

// analyze picks the smallest lossless colour type for m: one pass over the
// pixels tells whether they are opaque, grey, and how many colours they
// have. With colour set, grey types are not chosen: an RGB ICC profile
// may only describe a colour PNG (PNG §11.3.3.3).
func analyze(m image.Image, workers int, colour bool) format {
	return packed(analyzeDepth8(m, workers, colour), m.Bounds().Dx())
}

// analyzeDepth8 is analyze before small palettes are packed.
func analyzeDepth8(m image.Image, workers int, colour bool) format {
	b := m.Bounds()
	w := b.Dx()
	switch m := m.(type) {
	case *image.Paletted:
		if len(m.Palette) > 0 && len(m.Palette) <= 256 {
			p := make([]rgba8, len(m.Palette))
			for i, c := range m.Palette {
				n := color.NRGBAModel.Convert(c).(color.NRGBA)
				p[i] = rgba8{n.R, n.G, n.B, n.A}
			}
			return format{colorType: ctPaletted, depth: 8, bpp: 1, palette: p, rows: one(func(dst []byte, y int) {
				o := m.PixOffset(b.Min.X, y)
				copy(dst, m.Pix[o:o+w])
			})}
		}
	case *image.Gray:
		if colour {
			break
		}
		return format{colorType: ctGray, depth: 8, bpp: 1, rows: one(func(dst []byte, y int) {
			o := m.PixOffset(b.Min.X, y)
			copy(dst, m.Pix[o:o+w])
		})}
	case *image.Gray16:
		if colour {
			return analyze16(m, b, colour)
		}
		return format{colorType: ctGray, depth: 16, bpp: 2, rows: one(func(dst []byte, y int) {
			o := m.PixOffset(b.Min.X, y)
			copy(dst, m.Pix[o:o+2*w])
		})}
	case *image.NRGBA64, *image.RGBA64:
		return analyze16(m, b, colour)
	}
	f := analyze8(rowSource8(m), b, workers, colour)
	if f.colorType == ctRGB {
		// Every pixel is opaque, so an RGBA image's bytes are NRGBA's:
		// pack rows straight from the image, with no NRGBA copy.
		var pix []uint8
		var stride int
		switch m := m.(type) {
		case *image.RGBA:
			pix, stride = m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride
		case *image.NRGBA:
			pix, stride = m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride
		}
		if pix != nil {
			f.rows = one(func(dst []byte, y int) {
				o := (y - b.Min.Y) * stride
				packRGB(dst, pix[o:o+4*w], w)
			})
		}
	}
	return f
}

// packRGB writes the w NRGBA pixels of px to dst as RGB, four bytes
// stored for three, each store's fourth byte overwritten by the next; the
// last pixel on its own.
func packRGB(dst, px []uint8, w int) {
	dst, px = dst[:3*w], px[:4*w]
	for i := 0; i < w-1; i++ {
		binary.LittleEndian.PutUint32(dst[3*i:3*i+4], binary.LittleEndian.Uint32(px[4*i:4*i+4]))
	}
	copy(dst[3*w-3:], px[4*w-4:4*w-1])
}

// rowSource8 returns a function writing row y of m as 8-bit NRGBA.
func rowSource8(m image.Image) func(dst []uint8, y int) {
	b := m.Bounds()
	w := b.Dx()
	switch m := m.(type) {
	case *image.NRGBA:
		return func(dst []uint8, y int) {
			o := m.PixOffset(b.Min.X, y)
			copy(dst, m.Pix[o:o+4*w])
		}
	case *image.RGBA:
		return func(dst []uint8, y int) {
			o := m.PixOffset(b.Min.X, y)
			src := m.Pix[o : o+4*w]
			// Opaque pixels are the same in NRGBA: copy the row, then
			// mend the others, found two pixels at a time.
			copy(dst, src)
			i := 0
			for ; i+8 <= len(src); i += 8 {
				if binary.LittleEndian.Uint64(src[i:])&opaque2 != opaque2 {
					unpremultiply(dst[i:i+4], src[i:i+4])
					unpremultiply(dst[i+4:i+8], src[i+4:i+8])
				}
			}
			if i < len(src) {
				unpremultiply(dst[i:i+4], src[i:i+4])
			}
		}
	case *image.YCbCr:
		return func(dst []uint8, y int) {
			for x := range w {
				// color.YCbCr's own 16-bit conversion, so that the PNG
				// holds exactly the colours At reports.
				r, g, bb, _ := m.YCbCrAt(b.Min.X+x, y).RGBA()
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = uint8(r>>8), uint8(g>>8), uint8(bb>>8), 0xff
			}
		}
	case *image.Paletted:
		// The palette as NRGBA once, then a lookup a pixel: a GIF's
		// frames come here when their palettes differ.
		pal := make([][4]uint8, 256)
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [4]uint8{n.R, n.G, n.B, n.A}
		}
		return func(dst []uint8, y int) {
			o := m.PixOffset(b.Min.X, y)
			for x, v := range m.Pix[o : o+w] {
				copy(dst[4*x:4*x+4], pal[v][:]) // an index past the palette is transparent black (At would panic)
			}
		}
	case *image.CMYK:
		return func(dst []uint8, y int) {
			o := m.PixOffset(b.Min.X, y)
			for x := range w {
				p := m.Pix[o+4*x : o+4*x+4]
				r, g, bb, _ := color.CMYK{C: p[0], M: p[1], Y: p[2], K: p[3]}.RGBA()
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = uint8(r>>8), uint8(g>>8), uint8(bb>>8), 0xff
			}
		}
	}
	return func(dst []uint8, y int) {
		for x := range w {
			c := color.NRGBAModel.Convert(m.At(b.Min.X+x, y)).(color.NRGBA)
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
}

// stats8 is what decides an 8-bit image's colour type: whether every
// pixel is opaque, whether every one is grey, and its colours in the order
// they first appear, while there are at most 256.
type stats8 struct {
	opaque, gray bool
	colors       map[rgba8]uint8 // nil once there are more than 256
	order        []rgba8
}

func newStats8() *stats8 {
	return &stats8{opaque: true, gray: true, colors: map[rgba8]uint8{}}
}

// scan adds rows y0..y1 of src to s.
func (s *stats8) scan(src func([]uint8, int), w, y0, y1 int) {
	row := make([]uint8, 4*w)
	last, haveLast := rgba8{}, false
	for y := y0; y < y1; y++ {
		src(row, y)
		if s.colors == nil && !s.gray {
			// Only opacity is left to learn.
			if s.opaque = allOpaque(row); !s.opaque {
				return
			}
			continue
		}
		for i := 0; i < len(row); i += 4 {
			c := rgba8{row[i], row[i+1], row[i+2], row[i+3]}
			s.opaque = s.opaque && c.a == 0xff
			s.gray = s.gray && c.r == c.g && c.g == c.b
			if s.colors == nil || (haveLast && c == last) {
				continue
			}
			last, haveLast = c, true
			s.add(c)
		}
		if !s.opaque && !s.gray && s.colors == nil {
			return // nothing more to learn
		}
	}
}

// opaque2 masks the alpha bytes of two NRGBA pixels read as a
// little-endian word.
const opaque2 = 0xff000000ff000000

// allOpaque says every pixel of the NRGBA row has alpha 0xff.
func allOpaque(row []uint8) bool {
	and := uint64(opaque2)
	i := 0
	for ; i+8 <= len(row); i += 8 {
		and &= binary.LittleEndian.Uint64(row[i:])
	}
	for ; i < len(row); i += 4 {
		if row[i+3] != 0xff {
			return false
		}
	}
	return and == opaque2
}

// unpremultiply writes the RGBA pixel src to dst as NRGBA, as
// color.NRGBAModel converts it.
func unpremultiply(dst, src []uint8) {
	switch a := src[3]; a {
	case 0xff:
		copy(dst, src[:4])
	case 0:
		dst[0], dst[1], dst[2], dst[3] = 0, 0, 0, 0
	default:
		a16 := uint32(a) * 0x101
		for c := range 3 {
			dst[c] = uint8((uint32(src[c]) * 0x101 * 0xffff / a16) >> 8)
		}
		dst[3] = a
	}
}

func (s *stats8) add(c rgba8) {
	if _, ok := s.colors[c]; ok {
		return
	}
	if len(s.colors) == 256 {
		s.colors, s.order = nil, nil
		return
	}
	s.colors[c] = uint8(len(s.colors))
	s.order = append(s.order, c)
}

// merge adds o, made of rows after s's, to s. The colours keep the order
// in which they first appear, whatever the split.
func (s *stats8) merge(o *stats8) {
	s.opaque = s.opaque && o.opaque
	s.gray = s.gray && o.gray
	if o.colors == nil {
		s.colors, s.order = nil, nil
	}
	for _, c := range o.order {
		if s.colors == nil {
			break
		}
		s.add(c)
	}
}

// scanParallel scans rows y0..y1 of src in up to workers bands at once.
func scanParallel(src func([]uint8, int), w, y0, y1, workers int) *stats8 {
	bands := max(1, min(workers, (y1-y0)/64))
	parts := make([]*stats8, bands)
	var wg sync.WaitGroup
	for i := range parts {
		parts[i] = newStats8()
		lo, hi := y0+(y1-y0)*i/bands, y0+(y1-y0)*(i+1)/bands
		wg.Go(func() { parts[i].scan(src, w, lo, hi) })
	}
	wg.Wait()
	for _, p := range parts[1:] {
		parts[0].merge(p)
	}
	return parts[0]
}

// analyze8 chooses among grey, grey+alpha, paletted, RGB and RGBA at 8
// bits for rows of NRGBA.
func analyze8(src func([]uint8, int), b image.Rectangle, workers int, colour bool) format {
	st := scanParallel(src, b.Dx(), b.Min.Y, b.Max.Y, workers)
	st.gray = st.gray && !colour
	return st.format(src, b.Dx())
}

// format is the smallest lossless format for rows with these stats.
func (st *stats8) format(src func([]uint8, int), w int) format {
	opaque, gray, colors, order := st.opaque, st.gray, st.colors, st.order
	switch {
	case gray && opaque:
		return format{colorType: ctGray, depth: 8, bpp: 1, rows: rowFunc(src, w, func(dst []byte, px []uint8) {
			for i := range w {
				dst[i] = px[4*i]
			}
		})}
	case colors != nil:
		return format{colorType: ctPaletted, depth: 8, bpp: 1, palette: order, rows: rowFunc(src, w, func(dst []byte, px []uint8) {
			for i := range w {
				dst[i] = colors[rgba8{px[4*i], px[4*i+1], px[4*i+2], px[4*i+3]}]
			}
		})}
	case gray:
		return format{colorType: ctGrayAlpha, depth: 8, bpp: 2, rows: rowFunc(src, w, func(dst []byte, px []uint8) {
			for i := range w {
				dst[2*i], dst[2*i+1] = px[4*i], px[4*i+3]
			}
		})}
	case opaque:
		return format{colorType: ctRGB, depth: 8, bpp: 3, rows: rowFunc(src, w, func(dst []byte, px []uint8) {
			packRGB(dst, px, w)
		})}
	}
	return format{colorType: ctRGBA, depth: 8, bpp: 4, rows: one(src)}
}

// one is rows for a row writer that needs no scratch.
func one(row func(dst []byte, y int)) func() func([]byte, int) {
	return func() func([]byte, int) { return row }
}

// rowFunc makes rows from src and a per-row conversion: each row writer
// it returns has its own scratch row, so strips can be made in parallel.
func rowFunc(src func([]uint8, int), w int, out func(dst []byte, px []uint8)) func() func([]byte, int) {
	return func() func([]byte, int) {
		px := make([]uint8, 4*w)
		return func(dst []byte, y int) {
			src(px, y)
			out(dst, px)
		}
	}
}

// analyze16 writes 16-bit images at 16 bits: grey when every pixel is,
// without alpha when every pixel is opaque.
func analyze16(m image.Image, b image.Rectangle, colour bool) format {
	opaque, gray := scan16(m)
	return format16(m, opaque, gray && !colour)
}

// src16 writes row y of m as 16-bit NRGBA.
// An 8-bit image's channels are widened exactly (v·257): converting
// through premultiplied colour would round translucent ones.
func src16(m image.Image) func(dst []uint16, y int) {
	b := m.Bounds()
	if !is16(m) {
		src := rowSource8(m)
		return func(dst []uint16, y int) {
			row := make([]uint8, 4*b.Dx()) // rare: 8-bit frames of a 16-bit animation
			src(row, y)
			for i, v := range row {
				dst[i] = uint16(v) * 0x101
			}
		}
	}
	switch m := m.(type) {
	case *image.NRGBA64:
		return func(dst []uint16, y int) {
			o := m.PixOffset(b.Min.X, y)
			for i := range 4 * b.Dx() {
				dst[i] = uint16(m.Pix[o+2*i])<<8 | uint16(m.Pix[o+2*i+1])
			}
		}
	case *image.RGBA64:
		return func(dst []uint16, y int) {
			for x := range b.Dx() {
				c := m.RGBA64At(b.Min.X+x, y)
				r, g, bb, a := uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
				if a != 0 && a != 0xffff { // as color.NRGBA64Model converts
					r, g, bb = r*0xffff/a, g*0xffff/a, bb*0xffff/a
				}
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = uint16(r), uint16(g), uint16(bb), uint16(a)
			}
		}
	case *image.Gray16:
		return func(dst []uint16, y int) {
			for x := range b.Dx() {
				v := m.Gray16At(b.Min.X+x, y).Y
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = v, v, v, 0xffff
			}
		}
	}
	return func(dst []uint16, y int) {
		for x := range b.Dx() {
			c := color.NRGBA64Model.Convert(m.At(b.Min.X+x, y)).(color.NRGBA64)
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
}

// scan16 tells whether every pixel of m is opaque and whether every one
// is grey, at 16 bits.
func scan16(m image.Image) (opaque, gray bool) {
	b := m.Bounds()
	src := src16(m)
	opaque, gray = true, true
	row := make([]uint16, 4*b.Dx())
	for y := b.Min.Y; y < b.Max.Y && (opaque || gray); y++ {
		src(row, y)
		for i := 0; i < len(row); i += 4 {
			opaque = opaque && row[i+3] == 0xffff
			gray = gray && row[i] == row[i+1] && row[i+1] == row[i+2]
		}
	}
	return opaque, gray
}

// format16 is m written at 16 bits, grey and without alpha as allowed.
func format16(m image.Image, opaque, gray bool) format {
	w := m.Bounds().Dx()
	src := src16(m)
	var channels []int
	var ct uint8
	switch {
	case gray && opaque:
		ct, channels = ctGray, []int{0}
	case gray:
		ct, channels = ctGrayAlpha, []int{0, 3}
	case opaque:
		ct, channels = ctRGB, []int{0, 1, 2}
	default:
		ct, channels = ctRGBA, []int{0, 1, 2, 3}
	}
	return format{colorType: ct, depth: 16, bpp: 2 * len(channels), rows: func() func([]byte, int) {
		px := make([]uint16, 4*w)
		return func(dst []byte, y int) {
			src(px, y)
			o := 0
			for x := range w {
				for _, c := range channels {
					binary.BigEndian.PutUint16(dst[o:], px[4*x+c])
					o += 2
				}
			}
		}
	}}
}
