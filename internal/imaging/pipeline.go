package imaging

import (
	"context"
	"image"
)

// Transform makes a derived image: the part r of src (a pyramid level
// chosen with LevelFor, r scaled onto it with Scale) resampled to
// pl.Resize, then rotated, flipped, turned grey and blurred as p says. src
// is never modified. It checks ctx between steps, and returns ctx.Err()
// once ctx ends.
func Transform(ctx context.Context, src *image.RGBA, r image.Rectangle, pl Plan, p Params) (*image.RGBA, error) {
	p = p.Canonical()
	steps := []func(*image.RGBA) (*image.RGBA, error){
		func(*image.RGBA) (*image.RGBA, error) { return Resample(src, r, pl.Resize), nil },
		func(m *image.RGBA) (*image.RGBA, error) { return Turn(m, p.Rotate, p.FlipH, p.FlipV), nil },
		func(m *image.RGBA) (*image.RGBA, error) {
			if p.Grayscale {
				Grayscale(m)
			}
			return m, nil
		},
		func(m *image.RGBA) (*image.RGBA, error) { return m, Blur(ctx, m, p.Blur) },
	}
	var m *image.RGBA
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if m, err = step(m); err != nil {
			return nil, err
		}
	}
	return m, nil
}
