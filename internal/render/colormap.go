package render

import "image/color"

// Colormaps lists the colour tables Render knows, in the spec's order.
var Colormaps = []string{"viridis", "magma", "inferno", "plasma", "cividis", "turbo", "gray"}

// palettes holds each colormap as a 256-colour palette, built once. The
// entries are NRGBA, which the PNG encoder reads without converting (and
// allocating) each one.
var palettes = func() map[string]color.Palette {
	m := make(map[string]color.Palette, len(Colormaps))
	for _, name := range Colormaps {
		m[name] = build(name)
	}
	return m
}()

// palette returns the palette of the named colormap, or nil when the name is
// unknown. Entry i is the colour of level i. Callers must not modify it.
func palette(name string) color.Palette { return palettes[name] }

func build(name string) color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		if name == "gray" {
			p[i] = color.NRGBA{uint8(i), uint8(i), uint8(i), 0xff}
			continue
		}
		c := tables[name][i]
		p[i] = color.NRGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 0xff}
	}
	return p
}
