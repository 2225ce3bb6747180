package imaging

import (
	"context"
	"github.com/pngd/pngd/internal/tracing"
	"image"
)

// Transform makes a derived image: the part r of src (a pyramid level
// chosen with LevelFor, r scaled onto it with Scale) resampled to
// pl.Resize, then rotated, flipped, padded, flattened, rounded, overlaid,
// turned grey and blurred as p says. src is never modified. It checks ctx between
// steps, and returns ctx.Err() once ctx ends.
//
// The steps run in this order, each when p asks for it: trim (already in
// pl, by PlanContent), crop and fit (resample), rotate and flip, pad and
// background, radius, overlay, grayscale, blur. Plan.Bytes counts what
// they allocate, but for the overlay, which the library loads and counts.
func Transform(ctx context.Context, src *image.RGBA, r image.Rectangle, pl Plan, p Params) (*image.RGBA, error) {
	p = p.Canonical()
	return runSteps(ctx, []step[*image.RGBA]{
		{"resample", func(*image.RGBA) (*image.RGBA, error) { return Resample(src, r, pl.Resize), nil }, true},
		{"rotate", func(m *image.RGBA) (*image.RGBA, error) { return Turn(m, p.Rotate, p.FlipH, p.FlipV), nil }, p.Rotate != 0 || p.FlipH || p.FlipV},
		{"pad", func(m *image.RGBA) (*image.RGBA, error) { return PadImage(m, pl, p.Background, p.HasBackground), nil }, pl.Padded() || p.HasBackground},
		{"radius", func(m *image.RGBA) (*image.RGBA, error) { RoundCorners(m, p.Radius); return m, nil }, p.Radius > 0},
		{"overlay", func(m *image.RGBA) (*image.RGBA, error) { OverlayImage(m, pl, p.Overlay.Opacity); return m, nil }, pl.Overlay != nil},
		{"grayscale", func(m *image.RGBA) (*image.RGBA, error) { Grayscale(m); return m, nil }, p.Grayscale},
		{"blur", func(m *image.RGBA) (*image.RGBA, error) { return m, Blur(ctx, m, p.Blur) }, p.Blur > 0},
	})
}

// step is one step of a derived image, which runs when on.
type step[M any] struct {
	name string
	do   func(M) (M, error)
	on   bool
}

// runSteps runs the steps that are on in turn, each in a span, checking
// ctx between them.
func runSteps[M any](ctx context.Context, steps []step[M]) (M, error) {
	var m, zero M
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		if !s.on {
			continue
		}
		_, span := tracing.Start(ctx, s.name)
		var err error
		m, err = s.do(m)
		tracing.End(span, err)
		if err != nil {
			return zero, err
		}
	}
	return m, nil
}
