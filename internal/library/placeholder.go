package library

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/placeholder"
	"github.com/pngd/pngd/internal/store"
)

// An image's placeholders (internal/placeholder) are made when it is
// prepared, from its smallest pyramid level (an animation's: its first
// frame), and stored beside its derived images as JSON, so that Info reads
// them. An image stored before pngd made them gets them on its first
// Info, which stores them. Like a derived image, the object counts against
// -derived-store-bytes, and is made again if evicted.

func placeholderKey(id string) string { return derivedPrefix + id + "/placeholder.json" }

// placeholderOf makes the placeholders of an sRGB image, which it may
// shrink first (it is the smallest the caller has).
func placeholderOf(ctx context.Context, m *image.RGBA) (*placeholder.Placeholder, error) {
	p, err := placeholder.Of(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("placeholders: %w", err)
	}
	return &p, nil
}

// storePlaceholder keeps p for Info; a failure is logged, and the next
// Info makes it again.
func (l *Library) storePlaceholder(ctx context.Context, id string, p *placeholder.Placeholder) {
	data, err := json.Marshal(p)
	if err == nil {
		err = l.putDerived(ctx, placeholderKey(id), data)
	}
	if err != nil {
		l.d.opts.Logger.WarnContext(ctx, "an image's placeholders were not stored; its next /info makes them again", "id", id, "err", err)
	}
}

// placeholder reads the stored placeholders of the image, or makes and
// stores them: from the smallest pyramid level (built from the original
// when the store has none), or an animation's first frame, in a render
// slot. Errors: ErrNotFound, store.ErrUnavailable, admit's.
func (l *Library) placeholder(ctx context.Context, id string) (*placeholder.Placeholder, error) {
	data, err := l.readAll(ctx, placeholderKey(id))
	if err == nil {
		var p placeholder.Placeholder
		if err := json.Unmarshal(data, &p); err == nil {
			l.d.quota.used(placeholderKey(id))
			return &p, nil
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	src, err := l.source(ctx, id)
	if err != nil {
		return nil, err
	}
	sizes := levelSizes(src.size)
	t, err := l.d.opts.Renders.Admit(ctx, src.decodeBytes()+PyramidBytes(src.size.X, src.size.Y)+placeholder.Bytes)
	if err != nil {
		return nil, err
	}
	defer t.Done()
	var m *image.RGBA
	if src.frames > 1 {
		d, toSRGB, err := l.decodeOriginal(ctx, id, "apng")
		if err != nil {
			return nil, err
		}
		m = imaging.ToRGBA(d.Image)
		if toSRGB != nil {
			toSRGB.ApplyRGBA(m)
		}
	} else if m, err = l.level(ctx, id, src.size, len(sizes)-1); err != nil {
		return nil, err
	}
	p, err := placeholderOf(ctx, m)
	if err != nil {
		return nil, err
	}
	l.storePlaceholder(ctx, id, p)
	return p, nil
}
