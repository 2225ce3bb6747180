// What derived images learn from the pixels before they are made (trim
// boxes, smart crops' focus) and the overlays drawn on them.

package library

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strconv"

	"go.opentelemetry.io/otel/attribute"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/tracing"
)

// trimBox is the part of the source that trim with threshold leaves:
// imaging.FindTrim on the original at full size (for an animation, the
// union of what it finds on every frame as shown), found once in a render
// slot of its own and then kept in memory.
func (l *Library) trimBox(ctx context.Context, id string, src source, threshold float64) (image.Rectangle, error) {
	ck := "t/" + id + "/" + strconv.FormatFloat(threshold, 'g', -1, 64)
	if v, ok := l.d.cache.GetIfPresent(ck); ok {
		return v.box, nil
	}
	n := imaging.FindTrimBytes(src.size.X)
	canvas := int64(src.size.X) * int64(src.size.Y)
	switch _, ok := l.d.cache.GetIfPresent(levelCacheKey(id, 0)); {
	case src.frames > 1: // the APNG and its frames decoded, and the composer
		n += src.bytes + int64(src.frames)*canvas*int64(max(src.bpp, 4)) + imaging.ComposerBytes(src.size.X, src.size.Y)
	case !ok:
		n += src.decodeBytes()
	}
	t, err := l.d.opts.Renders.Admit(ctx, n)
	if err != nil {
		return image.Rectangle{}, err
	}
	defer t.Done()
	var box image.Rectangle
	if src.frames > 1 {
		d, _, err := l.decodeOriginal(ctx, id, "apng")
		if err != nil {
			return image.Rectangle{}, err
		}
		if d.Anim == nil {
			return image.Rectangle{}, fmt.Errorf("stored object %s: not an animation", key(id))
		}
		_, span := tracing.Start(ctx, "trim", attribute.Int("pngd.frames", len(d.Anim.Frames)))
		comp := imaging.NewComposer(d.Anim)
		var border color.RGBA
		for i := range d.Anim.Frames {
			if err := ctx.Err(); err != nil {
				span.End()
				return image.Rectangle{}, err
			}
			m := comp.Next()
			if i == 0 {
				border = m.RGBAAt(0, 0)
			}
			box = box.Union(imaging.FindTrimAgainst(m, threshold, border))
		}
		span.End()
		if box.Empty() { // every frame is border
			box = image.Rectangle{Max: src.size}
		}
	} else {
		m, err := l.level(ctx, id, src.size, 0)
		if err != nil {
			return image.Rectangle{}, err
		}
		_, span := tracing.Start(ctx, "trim")
		box = imaging.FindTrim(m, threshold)
		span.End()
	}
	l.d.cache.Set(ck, cached{box: box})
	return box, nil
}

// focusPlan places a smart crop once the source's pixels are at hand:
// focus finds the point of interest of the part r of a level of size lvl
// (or of the source itself), for a crop of size crop, and plan is made
// again around it. Any other plan is returned as it is. A smart crop's
// size is the same wherever it is placed, so what plan was admitted with
// still holds.
func (l *Library) focusPlan(ctx context.Context, p imaging.Params, size image.Point, c imaging.Content, plan imaging.Plan, lvl image.Point,
	focus func(r image.Rectangle, crop image.Point) (fx, fy float64)) (imaging.Plan, error) {
	if cp := p.Canonical(); cp.Fit != imaging.Cover || cp.Gravity != imaging.Smart {
		return plan, nil
	}
	base := image.Rectangle{Max: size}
	if t := c.Trim.Intersect(base); !t.Empty() {
		base = t
	}
	if plan.Crop == base { // the box has the source's shape: nothing to choose
		return plan, nil
	}
	_, span := tracing.Start(ctx, "smartcrop")
	fx, fy := focus(imaging.Scale(base, size, lvl), imaging.Scale(plan.Crop, size, lvl).Size())
	span.End()
	c.FocusX = (float64(base.Min.X) + fx*float64(base.Dx())) / float64(size.X)
	c.FocusY = (float64(base.Min.Y) + fy*float64(base.Dy())) / float64(size.Y)
	c.Focus = true
	return p.PlanContent(size, c, l.d.opts.MaxOutputPixels)
}

// OverlayNotFoundError means an overlay id that names no stored image.
type OverlayNotFoundError struct{ ID string }

func (e *OverlayNotFoundError) Error() string {
	return fmt.Sprintf("overlay %s: no image has this id in this server's store", e.ID)
}

// overlayInput is what drawing an overlay on a derived image takes: its
// stored source, the pyramid level it is resampled from, and its size in
// the output.
type overlayInput struct {
	id   string
	src  source
	k    int
	size image.Point
}

// overlayFor is the overlay p asks for on plan's output, or nil.
func (l *Library) overlayFor(ctx context.Context, p imaging.Params, plan imaging.Plan) (*overlayInput, error) {
	o := p.Canonical().Overlay
	if o.ID == "" {
		return nil, nil
	}
	src, err := l.source(ctx, o.ID)
	if errors.Is(err, ErrNotFound) {
		return nil, &OverlayNotFoundError{ID: o.ID}
	}
	if err != nil {
		return nil, err
	}
	size := o.OverlaySize(src.size, plan.Out)
	k := imaging.LevelFor(src.size, len(levelSizes(src.size)), image.Rectangle{Max: src.size}, size)
	return &overlayInput{id: o.ID, src: src, k: k, size: size}, nil
}

func (in *overlayInput) cacheKey() string {
	return "o/" + in.id + "/" + strconv.Itoa(in.size.X) + "x" + strconv.Itoa(in.size.Y)
}

// overlayBytes is the most memory loading the overlay takes: nothing but
// a row when it is in memory at its size, else its level (renderBytes)
// and the resampled copy.
func (l *Library) overlayBytes(in *overlayInput) int64 {
	if in == nil {
		return 0
	}
	n := imaging.OverlayBytes(in.size.X)
	if _, ok := l.d.cache.GetIfPresent(in.cacheKey()); ok {
		return n
	}
	full := image.Rectangle{Max: in.src.size}
	return n + l.renderBytes(in.id, in.src, in.k, imaging.Plan{Crop: full, Resize: in.size, Out: in.size, Place: image.Rectangle{Max: in.size}})
}

// withOverlay loads the overlay at its size (kept in memory like any
// derived image's input) and places it on plan.
func (l *Library) withOverlay(ctx context.Context, in *overlayInput, p imaging.Params, plan imaging.Plan) (imaging.Plan, error) {
	if in == nil {
		return plan, nil
	}
	ck := in.cacheKey()
	if v, ok := l.d.cache.GetIfPresent(ck); ok {
		plan.Overlay = v.img
	} else {
		lvl, err := l.level(ctx, in.id, in.src.size, in.k)
		if errors.Is(err, ErrNotFound) { // deleted meanwhile
			return plan, &OverlayNotFoundError{ID: in.id}
		}
		if err != nil {
			return plan, err
		}
		_, span := tracing.Start(ctx, "overlay.resample")
		plan.Overlay = imaging.Resample(lvl, imaging.Scale(image.Rectangle{Max: in.src.size}, in.src.size, lvl.Rect.Size()), in.size)
		span.End()
		l.d.cache.Set(ck, cached{img: plan.Overlay})
	}
	plan.OverlayAt = p.Canonical().Overlay.OverlayPlace(in.size, plan.Out)
	return plan, nil
}

// smartBytes is what finding a smart crop's focus adds to a render.
func smartBytes(p imaging.Params) int64 {
	if c := p.Canonical(); c.Fit == imaging.Cover && c.Gravity == imaging.Smart {
		return imaging.SmartFocusBytes
	}
	return 0
}
