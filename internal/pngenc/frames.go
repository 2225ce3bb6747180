package pngenc

import (
	"image"
	"image/color"
	"slices"
)

// is16 reports whether m holds more than 8 bits a channel.
func is16(m image.Image) bool {
	switch m.(type) {
	case *image.Gray16, *image.NRGBA64, *image.RGBA64:
		return true
	}
	return false
}

// analyzeFrames picks one colour type and depth for all of ms, as APNG
// requires (one IHDR and one palette), and returns each frame's format.
// It is the smallest lossless choice for the frames together: 16 bits if
// any frame has them, a shared palette when all of them hold at most 256
// colours between them.
func analyzeFrames(ms []image.Image, workers int, colour bool) []format {
	out := make([]format, len(ms))
	if len(ms) == 1 {
		out[0] = analyze(ms[0], workers, colour)
		return out
	}
	if p, ok := ms[0].(*image.Paletted); ok && len(p.Palette) <= 256 && samePalettes(ms) {
		for i, m := range ms {
			out[i] = analyze(m, workers, colour)
		}
		return out
	}
	if slices.ContainsFunc(ms, is16) {
		opaque, gray := true, true
		for _, m := range ms {
			o, g := scan16(m)
			opaque, gray = opaque && o, gray && g
		}
		for i, m := range ms {
			out[i] = format16(m, opaque, gray && !colour)
		}
		return out
	}
	var st *stats8
	for _, m := range ms {
		b := m.Bounds()
		s := scanParallel(rowSource8(m), b.Dx(), b.Min.Y, b.Max.Y, workers)
		if st == nil {
			st = s
		} else {
			st.merge(s)
		}
	}
	st.gray = st.gray && !colour
	for i, m := range ms {
		out[i] = st.format(rowSource8(m), m.Bounds().Dx())
	}
	return out
}

// samePalettes reports whether every frame is paletted with the first
// frame's palette.
func samePalettes(ms []image.Image) bool {
	first := ms[0].(*image.Paletted).Palette
	for _, m := range ms[1:] {
		p, ok := m.(*image.Paletted)
		if !ok || !slices.EqualFunc(p.Palette, first, func(a, b color.Color) bool {
			return color.NRGBAModel.Convert(a) == color.NRGBAModel.Convert(b)
		}) {
			return false
		}
	}
	return true
}
