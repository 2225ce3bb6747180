package imaging

import (
	"context"
	"image"
	"image/color"
)

// RGBA16 is a premultiplied RGBA image at 16 bits a channel, one uint16 a
// channel: the working image of derived images made from 16-bit sources,
// which the 8-bit pipeline would round. Transform16 runs the same steps as
// Transform on it.
type RGBA16 struct {
	Pix    []uint16
	Stride int // in channels
	Rect   image.Rectangle
}

// NewRGBA16 returns a transparent w×h image.
func NewRGBA16(w, h int) *RGBA16 {
	return &RGBA16{Pix: make([]uint16, 4*w*h), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// ToRGBA16 copies img into a new RGBA16 at the origin, at full precision.
func ToRGBA16(img image.Image) *RGBA16 {
	b := img.Bounds()
	m := NewRGBA16(b.Dx(), b.Dy())
	be := func(p []uint8) uint32 { return uint32(p[0])<<8 | uint32(p[1]) }
	switch src := img.(type) {
	case *image.NRGBA64: // what a 16-bit PNG with alpha decodes to
		for y := range b.Dy() {
			s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			row := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			for x := range b.Dx() {
				p := s[8*x : 8*x+8 : 8*x+8]
				a := be(p[6:])
				for c := range 3 { // premultiply as color.NRGBA64.RGBA does
					row[4*x+c] = uint16(be(p[2*c:]) * a / 0xffff)
				}
				row[4*x+3] = uint16(a)
			}
		}
		return m
	case *image.RGBA64: // and without alpha
		for y := range b.Dy() {
			s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			row := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			for i := range row {
				row[i] = uint16(be(s[2*i:]))
			}
		}
		return m
	case *image.Gray16:
		for y := range b.Dy() {
			s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			row := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			for x := range b.Dx() {
				v := uint16(be(s[2*x:]))
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = v, v, v, 0xffff
			}
		}
		return m
	}
	for y := range b.Dy() {
		row := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
		for x := range b.Dx() {
			r, g, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint16(r), uint16(g), uint16(bb), uint16(a)
		}
	}
	return m
}

// RGBA64 returns m as an image.RGBA64, which the PNG writer writes at 16
// bits.
func (m *RGBA16) RGBA64() *image.RGBA64 {
	out := image.NewRGBA64(m.Rect)
	for i, v := range m.Pix {
		out.Pix[2*i], out.Pix[2*i+1] = uint8(v>>8), uint8(v)
	}
	return out
}

// Transform16 is Transform at 16 bits: the part r of src resampled to
// pl.Resize, then rotated, flipped, turned grey and blurred as p says. src
// is never modified.
func Transform16(ctx context.Context, src *RGBA16, r image.Rectangle, pl Plan, p Params) (*RGBA16, error) {
	p = p.Canonical()
	return runSteps(ctx, []step[*RGBA16]{
		{"resample", func(*RGBA16) (*RGBA16, error) {
			out := NewRGBA16(pl.Resize.X, pl.Resize.Y)
			resample(src.Pix, src.Stride, r, pl.Resize, out.Pix, 65535)
			return out, nil
		}, true},
		{"rotate", func(m *RGBA16) (*RGBA16, error) {
			pix, w, h := orient(m.Pix, m.Rect.Dx(), m.Rect.Dy(), turnOrientation(p.Rotate, p.FlipH, p.FlipV))
			return &RGBA16{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}, nil
		}, p.Rotate != 0 || p.FlipH || p.FlipV},
		{"pad", func(m *RGBA16) (*RGBA16, error) { return PadImage16(m, pl, p.Background, p.HasBackground), nil }, pl.Padded() || p.HasBackground},
		{"radius", func(m *RGBA16) (*RGBA16, error) {
			roundCorners(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), p.Radius)
			return m, nil
		}, p.Radius > 0},
		{"overlay", func(m *RGBA16) (*RGBA16, error) { OverlayImage16(m, pl, p.Overlay.Opacity); return m, nil }, pl.Overlay != nil},
		{"grayscale", func(m *RGBA16) (*RGBA16, error) { grayscale(m.Pix); return m, nil }, p.Grayscale},
		{"blur", func(m *RGBA16) (*RGBA16, error) {
			return m, blur(ctx, m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), p.Blur)
		}, p.Blur > 0},
	})
}

// Deep reports whether img has more than 8 bits a channel.
func Deep(img image.Image) bool {
	switch img.ColorModel() {
	case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model, color.Alpha16Model:
		return true
	}
	return false
}
