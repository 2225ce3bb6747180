package pngenc

import (
	"encoding/binary"
	"image"
	"image/color"
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
	row              func(dst []byte, y int)
}

func (f format) rowBytes(width int) int {
	channels := map[uint8]int{ctGray: 1, ctRGB: 3, ctPaletted: 1, ctGrayAlpha: 2, ctRGBA: 4}[f.colorType]
	return width * channels * int(f.depth) / 8
}

// analyze picks the smallest lossless colour type for m: one pass over the
// pixels tells whether they are opaque, grey, and how many colours they
// have.
func analyze(m image.Image) format {
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
			return format{colorType: ctPaletted, depth: 8, bpp: 1, palette: p, row: func(dst []byte, y int) {
				o := m.PixOffset(b.Min.X, y)
				copy(dst, m.Pix[o:o+w])
			}}
		}
	case *image.Gray:
		return format{colorType: ctGray, depth: 8, bpp: 1, row: func(dst []byte, y int) {
			o := m.PixOffset(b.Min.X, y)
			copy(dst, m.Pix[o:o+w])
		}}
	case *image.Gray16:
		return format{colorType: ctGray, depth: 16, bpp: 2, row: func(dst []byte, y int) {
			o := m.PixOffset(b.Min.X, y)
			copy(dst, m.Pix[o:o+2*w])
		}}
	case *image.NRGBA64, *image.RGBA64:
		return analyze16(m, b)
	}
	return analyze8(rowSource8(m), b)
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
			for i := 0; i < len(src); i += 4 {
				a := src[i+3]
				switch a {
				case 0xff:
					copy(dst[i:i+4], src[i:i+4])
				case 0:
					dst[i], dst[i+1], dst[i+2], dst[i+3] = 0, 0, 0, 0
				default: // as color.NRGBAModel converts
					a16 := uint32(a) * 0x101
					for c := range 3 {
						dst[i+c] = uint8((uint32(src[i+c]) * 0x101 * 0xffff / a16) >> 8)
					}
					dst[i+3] = a
				}
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

// analyze8 chooses among grey, grey+alpha, paletted, RGB and RGBA at 8
// bits for rows of NRGBA.
func analyze8(src func([]uint8, int), b image.Rectangle) format {
	w := b.Dx()
	opaque, gray := true, true
	colors := map[rgba8]uint8{}
	var order []rgba8
	row := make([]uint8, 4*w)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		src(row, y)
		for i := 0; i < len(row); i += 4 {
			c := rgba8{row[i], row[i+1], row[i+2], row[i+3]}
			opaque = opaque && c.a == 0xff
			gray = gray && c.r == c.g && c.g == c.b
			if colors != nil {
				if _, ok := colors[c]; !ok {
					if len(colors) == 256 {
						colors, order = nil, nil
						continue
					}
					colors[c] = uint8(len(colors))
					order = append(order, c)
				}
			}
		}
	}
	switch {
	case gray && opaque:
		return format{colorType: ctGray, depth: 8, bpp: 1, row: rowFunc(src, w, func(dst []byte, px []uint8) {
			for i := range w {
				dst[i] = px[4*i]
			}
		})}
	case colors != nil:
		return format{colorType: ctPaletted, depth: 8, bpp: 1, palette: order, row: rowFunc(src, w, func(dst []byte, px []uint8) {
			for i := range w {
				dst[i] = colors[rgba8{px[4*i], px[4*i+1], px[4*i+2], px[4*i+3]}]
			}
		})}
	case gray:
		return format{colorType: ctGrayAlpha, depth: 8, bpp: 2, row: rowFunc(src, w, func(dst []byte, px []uint8) {
			for i := range w {
				dst[2*i], dst[2*i+1] = px[4*i], px[4*i+3]
			}
		})}
	case opaque:
		return format{colorType: ctRGB, depth: 8, bpp: 3, row: rowFunc(src, w, func(dst []byte, px []uint8) {
			for i := range w {
				copy(dst[3*i:3*i+3], px[4*i:4*i+3])
			}
		})}
	}
	return format{colorType: ctRGBA, depth: 8, bpp: 4, row: func(dst []byte, y int) { src(dst, y) }}
}

// rowFunc makes a row writer from src and a per-row conversion. Each call
// has its own scratch row, so strips can be made in parallel.
func rowFunc(src func([]uint8, int), w int, out func(dst []byte, px []uint8)) func([]byte, int) {
	return func(dst []byte, y int) {
		px := make([]uint8, 4*w)
		src(px, y)
		out(dst, px)
	}
}

// analyze16 writes 16-bit images at 16 bits: grey when every pixel is,
// without alpha when every pixel is opaque.
func analyze16(m image.Image, b image.Rectangle) format {
	w := b.Dx()
	src := func(dst []uint16, y int) {
		for x := range w {
			c := color.NRGBA64Model.Convert(m.At(b.Min.X+x, y)).(color.NRGBA64)
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
	opaque, gray := true, true
	row := make([]uint16, 4*w)
	for y := b.Min.Y; y < b.Max.Y && (opaque || gray); y++ {
		src(row, y)
		for i := 0; i < len(row); i += 4 {
			opaque = opaque && row[i+3] == 0xffff
			gray = gray && row[i] == row[i+1] && row[i+1] == row[i+2]
		}
	}
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
	return format{colorType: ct, depth: 16, bpp: 2 * len(channels), row: func(dst []byte, y int) {
		px := make([]uint16, 4*w)
		src(px, y)
		o := 0
		for x := range w {
			for _, c := range channels {
				binary.BigEndian.PutUint16(dst[o:], px[4*x+c])
				o += 2
			}
		}
	}}
}
