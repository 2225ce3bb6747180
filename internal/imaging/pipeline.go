package imaging

import (
	"context"
	"github.com/pngd/pngd/internal/tracing"
	"image"
)

// Transform makes a derived image: the part r of src (a pyramid level
// chosen with LevelFor, r scaled onto it with Scale) resampled to
// pl.Resize, then rotated, flipped, turned grey and blurred as p says. src
// is never modified. It checks ctx between steps, and returns ctx.Err()
// once ctx ends.
func Transform(ctx context.Context, src *image.RGBA, r image.Rectangle, pl Plan, p Params) (*image.RGBA, error) {
	p = p.Canonical()
	type step struct {
		name string
		do   func(*image.RGBA) (*image.RGBA, error)
		on   bool
	}
	steps := []step{
		{"resample", func(*image.RGBA) (*image.RGBA, error) { return Resample(src, r, pl.Resize), nil }, true},
		{"rotate", func(m *image.RGBA) (*image.RGBA, error) { return Turn(m, p.Rotate, p.FlipH, p.FlipV), nil }, p.Rotate != 0 || p.FlipH || p.FlipV},
		{"grayscale", func(m *image.RGBA) (*image.RGBA, error) { Grayscale(m); return m, nil }, p.Grayscale},
		{"blur", func(m *image.RGBA) (*image.RGBA, error) { return m, Blur(ctx, m, p.Blur) }, p.Blur > 0},
	}
	var m *image.RGBA
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !s.on {
			continue
		}
		_, span := tracing.Start(ctx, s.name)
		var err error
		m, err = s.do(m)
		tracing.End(span, err)
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}
