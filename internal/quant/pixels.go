package quant

import (
	"image"
	"image/color"
)

// A pixel is premultiplied R', G', B' and alpha, each 0 to 255, where R'
// is the sRGB-encoded value: a space in which equal steps are close to
// equal to the eye (sRGB's curve is near the eye's lightness response), and
// in which a translucent pixel weighs as little as it shows.
type pixel [4]float32

func (p pixel) dist(q pixel) float32 {
	r, g, b, a := p[0]-q[0], p[1]-q[1], p[2]-q[2], p[3]-q[3]
	return r*r + g*g + b*b + a*a
}

// rowReader writes row y of an image as pixels, with the straight 8-bit
// (or 16-bit, scaled) values beside them when the caller wants them.
type rowReader func(dst []pixel, y int)

// reader returns a rowReader for m, with fast paths for the types pngd
// decodes to; anything else goes through At.
func reader(m image.Image) rowReader {
	b := m.Bounds()
	w := b.Dx()
	switch m := m.(type) {
	case *image.NRGBA:
		return func(dst []pixel, y int) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range w {
				p := s[4*x : 4*x+4 : 4*x+4]
				a := float32(p[3])
				k := a / 255
				dst[x] = pixel{float32(p[0]) * k, float32(p[1]) * k, float32(p[2]) * k, a}
			}
		}
	case *image.RGBA:
		return func(dst []pixel, y int) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range w {
				p := s[4*x : 4*x+4 : 4*x+4]
				dst[x] = pixel{float32(p[0]), float32(p[1]), float32(p[2]), float32(p[3])}
			}
		}
	case *image.NRGBA64:
		return func(dst []pixel, y int) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range w {
				p := s[8*x : 8*x+8 : 8*x+8]
				c := func(i int) float32 { return float32(uint16(p[i])<<8|uint16(p[i+1])) / 257 }
				a := c(6)
				k := a / 255
				dst[x] = pixel{c(0) * k, c(2) * k, c(4) * k, a}
			}
		}
	case *image.RGBA64:
		return func(dst []pixel, y int) {
			s := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range w {
				p := s[8*x : 8*x+8 : 8*x+8]
				c := func(i int) float32 { return float32(uint16(p[i])<<8|uint16(p[i+1])) / 257 }
				dst[x] = pixel{c(0), c(2), c(4), c(6)}
			}
		}
	}
	return func(dst []pixel, y int) {
		for x := range w {
			r, g, bb, a := m.At(b.Min.X+x, y).RGBA()
			dst[x] = pixel{float32(r) / 257, float32(g) / 257, float32(bb) / 257, float32(a) / 257}
		}
	}
}

// toPixel is c as a pixel.
func toPixel(c color.Color) pixel {
	r, g, b, a := c.RGBA()
	return pixel{float32(r) / 257, float32(g) / 257, float32(b) / 257, float32(a) / 257}
}

// toNRGBA rounds a pixel to the straight 8-bit colour a PLTE and tRNS
// hold; a fully transparent one is transparent black.
func toNRGBA(p pixel) color.NRGBA {
	a := clamp8(p[3])
	if a == 0 {
		return color.NRGBA{}
	}
	k := 255 / p[3]
	if p[3] < 0.5 {
		k = 0
	}
	return color.NRGBA{clamp8(p[0] * k), clamp8(p[1] * k), clamp8(p[2] * k), a}
}

func clamp8(v float32) uint8 {
	v += 0.5
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}
