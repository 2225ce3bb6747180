// Sources and their pyramid levels: what derived images start from.

package library

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strconv"

	"go.opentelemetry.io/otel/attribute"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/store"
	"github.com/pngd/pngd/internal/tracing"
)

// levelSizes lists the sizes of a source's pyramid levels, the source's
// own size first: the halvings imaging.Levels makes.
func levelSizes(full image.Point) []image.Point {
	sizes := []image.Point{full}
	for s := full; min(s.X, s.Y) >= 2*imaging.MinLevelSide; {
		s = image.Pt((s.X+1)/2, (s.Y+1)/2)
		sizes = append(sizes, s)
	}
	return sizes
}

// levelCacheKey is where level k of source id is kept in the in-memory
// cache (level 0 is the decoded original).
func levelCacheKey(id string, k int) string { return "l/" + id + "/" + strconv.Itoa(k) }

// maxCachedOriginal is the largest level 0 (a decoded original) kept in
// memory; larger ones are decoded each time they are needed, which is
// only for outputs near the source's size.
const maxCachedOriginal = 4 << 20

// source describes the stored original, from memory or from its IHDR.
func (l *Library) source(ctx context.Context, id string) (source, error) {
	ck := "s/" + id
	if v, ok := l.d.cache.GetIfPresent(ck); ok {
		return v.src, nil
	}
	h, err := l.header(ctx, id)
	if err != nil {
		return source{}, err
	}
	bpp := 4
	switch {
	case h.depth == 16 && h.colorType != 0:
		bpp = 8
	case h.depth == 16:
		bpp = 2
	case h.colorType == 0 || h.colorType == 3: // gray, paletted
		bpp = 1
	}
	src := source{size: image.Pt(h.im.Width, h.im.Height), bpp: bpp, rgba: h.depth == 8 && h.colorType == 2, bytes: h.im.Size, frames: h.frames, deep: h.depth == 16}
	l.d.cache.Set(ck, cached{src: src})
	return src, nil
}

// level returns pyramid level k of the source, from memory, from the store,
// or by building the pyramid from the original. It runs in the caller's
// render slot.
func (l *Library) level(ctx context.Context, id string, full image.Point, k int) (*image.RGBA, error) {
	ck := levelCacheKey(id, k)
	if v, ok := l.d.cache.GetIfPresent(ck); ok {
		return v.img, nil
	}
	if k == 0 {
		m, err := l.decode(ctx, key(id))
		if err != nil {
			return nil, err
		}
		if len(m.Pix) <= maxCachedOriginal {
			l.d.cache.Set(ck, cached{img: m})
		}
		return m, nil
	}
	for _, lk := range []string{levelKey(id, k), levelKeyV1(id, k)} {
		m, err := l.decodeLevel(ctx, lk)
		if err == nil {
			l.d.quota.used(lk)
			l.keepReadLevel(id, k, m)
			return m, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	// No level k in the store: build the pyramid, once.
	v, err, _ := l.d.flights.Do("p/"+id, func() (any, error) { return l.buildPyramid(ctx, id) })
	if err != nil {
		return nil, err
	}
	levels := v.([]*image.RGBA)
	if k > len(levels) {
		return nil, fmt.Errorf("source %s has %d pyramid levels, not %d", id, len(levels), k)
	}
	return levels[k-1], nil
}

// keepReadLevel caches level k of source id, read from the store, the
// second time it is read: a doorkeeper, as TinyLFU's. A source asked for
// once after a restart (a thumbnail of each image of a page) would
// otherwise fill the cache with levels used once, each new memory the
// size of the level, which on a virtual machine can cost more to touch
// than the level takes to decode (docs/performance.md: four times, on
// the 2-core one it was measured on); one asked for again keeps its
// level from then on. The first read leaves a marker of
// 64 bytes of the cache's weight.
func (l *Library) keepReadLevel(id string, k int, m *image.RGBA) {
	seen := levelSeenKey(id, k)
	if _, ok := l.d.cache.GetIfPresent(seen); !ok {
		l.d.cache.Set(seen, cached{})
		return
	}
	l.d.cache.Invalidate(seen)
	l.d.cache.Set(levelCacheKey(id, k), cached{img: m})
}

// levelSeenKey marks in the in-memory cache that level k of source id was
// read from the store once (keepReadLevel).
func levelSeenKey(id string, k int) string { return "r/" + id + "/" + strconv.Itoa(k) }

// buildPyramid decodes the original, halves it down to the smallest
// level, and stores and caches every level.
func (l *Library) buildPyramid(ctx context.Context, id string) ([]*image.RGBA, error) {
	src, err := l.decode(ctx, key(id))
	if err != nil {
		return nil, err
	}
	levels, err := imaging.Levels(ctx, src)
	if err != nil {
		return nil, err
	}
	for i, m := range levels {
		k := i + 1
		l.d.cache.Set(levelCacheKey(id, k), cached{img: m})
		if err := l.putDerived(ctx, levelKey(id, k), imaging.EncodeLevel(m)); err != nil {
			l.d.opts.Logger.WarnContext(ctx, "a pyramid level was not persisted", "key", levelKey(id, k), "err", err)
		}
	}
	return levels, nil
}

// decode reads and decodes the PNG at key as RGBA. Errors: ErrNotFound,
// store.ErrUnavailable, or a decoding error for a damaged object.
func (l *Library) decode(ctx context.Context, key string) (*image.RGBA, error) {
	data, err := l.readAll(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, span := tracing.Start(ctx, "decode", attribute.String("pngd.key", key), attribute.String("pngd.format", "png"))
	d, err := imaging.Decode(data, imaging.Limits{})
	tracing.End(span, err)
	if err != nil {
		return nil, fmt.Errorf("stored object %s: %w", key, err)
	}
	m := imaging.ToRGBA(d.Image)
	// An original with its own profile is converted to sRGB, as derived
	// images are; pyramid levels are sRGB already.
	if p := d.Profile; p != nil && !p.IsSRGB() {
		t, err := p.ToSRGB()
		if err != nil {
			return nil, fmt.Errorf("stored object %s: %w", key, err)
		}
		_, span := tracing.Start(ctx, "colour", attribute.String("pngd.profile", p.Description))
		t.ApplyRGBA(m)
		span.End()
	}
	return m, nil
}

// decodeLevel reads and decodes the pyramid level at key, a strip at a
// time (imaging.ReadLevel): it holds the level's pixels, not its object
// too. Errors: ErrNotFound, store.ErrUnavailable, or a decoding error for
// a damaged object.
func (l *Library) decodeLevel(ctx context.Context, key string) (*image.RGBA, error) {
	r, err := l.store.OpenRange(ctx, key, 0, -1)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	_, span := tracing.Start(ctx, "decode", attribute.String("pngd.key", key), attribute.String("pngd.format", "level"))
	m, err := imaging.ReadLevel(r, r.Size())
	tracing.End(span, err)
	if err != nil {
		return nil, fmt.Errorf("stored object %s: %w", key, err)
	}
	return m, nil
}
