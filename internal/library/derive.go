package library

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/pngd/pngd/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"image"
	"image/color"
	"io"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/maypok86/otter/v2/stats"
	"golang.org/x/sync/singleflight"

	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/store"
)

// derivedPrefix is where derived images and pyramid levels live in the
// store, one folder per source: derived/<id>/<hash of params>.png and
// derived/<id>/level-<k>.png. Every node of a cluster reuses them.
const derivedPrefix = "derived/"

// Defaults for Options.
const (
	DefaultCacheBytes      = 256 << 20
	DefaultMaxOutputPixels = 4096 * 4096 // 16.7 MP
)

// Options configure the derived-image machinery.
type Options struct {
	// CacheBytes is the in-memory cache's budget, for derived PNGs and
	// decoded pyramid levels together. Zero means DefaultCacheBytes.
	CacheBytes int64
	// MaxOutputPixels caps a derived image's width×height. Zero means
	// DefaultMaxOutputPixels.
	MaxOutputPixels int64
	// Renders admits the CPU-heavy work (decode, resample, encode). Nil
	// means one at a time per CPU, with an unbounded queue.
	Renders *admit.Gate
	// Logger gets failures that do not fail a request, such as a derived
	// image that could not be persisted. Nil discards them.
	Logger *slog.Logger
	// DerivedStoreBytes bounds what derived images and pyramid levels take
	// in the store; the least recently used go first. Zero means no bound.
	DerivedStoreBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxFramePixels caps a derived animation's frames × output pixels.
	// Zero means imaging.DefaultMaxFramePixels.
	MaxFramePixels int64
	// SmallOriginals keeps stored originals of up to 256 KiB in memory
	// (SmallOriginal), for a store that no other node writes: on a bucket
	// shared with others, one would serve an image another node deleted
	// for up to originalTTL. pngd sets it for file:// stores.
	SmallOriginals bool
}

// cached is a value of the in-memory cache: a derived PNG, a decoded
// pyramid level, a source's size, or the part of a source that trim
// leaves.
type cached struct {
	png []byte
	img *image.RGBA
	src source
	box image.Rectangle
}

// source is what a stored original's IHDR and size say, enough to cost
// decoding it.
type source struct {
	size image.Point
	// bpp is the bytes per pixel png.Decode makes of it; rgba whether
	// that is already *image.RGBA (no copy to make).
	bpp   int
	rgba  bool
	bytes int64
	// frames is an APNG's frame count; 0 for a still image.
	frames int
	// deep is a 16-bit PNG.
	deep bool
}

// decodeBytes is the memory decoding the original as RGBA takes: the
// encoded bytes, the decoded image and, unless png.Decode makes RGBA
// itself, the RGBA copy.
func (s source) decodeBytes() int64 {
	px := int64(s.size.X) * int64(s.size.Y)
	n := s.bytes + px*int64(s.bpp) + 4<<20 // and the inflate state, row buffers
	if !s.rgba {
		n += 4 * px
	}
	return n
}

func weigh(_ string, v cached) uint32 {
	n := 64 + len(v.png)
	if v.img != nil {
		n += len(v.img.Pix)
	}
	return uint32(min(n, math.MaxUint32))
}

// Small originals are kept in memory, like nginx's open_file_cache but
// with the bytes: a request for one then costs no open, stat, sendfile or
// close. Their cache takes a sixteenth of CacheBytes. An entry lives
// originalTTL at most, so that on a bucket shared by several nodes an
// image deleted through another one stops being served soon.
const (
	maxCachedSmallOriginal = 256 << 10
	originalTTL            = 30 * time.Second
)

// original is a small stored original in memory, or a note that the
// original is large (and is sent from the store).
type original struct {
	png     []byte
	created time.Time
	large   bool
}

// deriver holds what Derive needs besides the store.
type deriver struct {
	opts      Options
	quota     *quota
	originals *otter.Cache[string, original]
	cache     *otter.Cache[string, cached]
	flights   singleflight.Group
	renders   atomic.Int64
	abandoned atomic.Int64
	stats     *stats.Counter // the in-memory cache's hits, misses, evictions
	storeHits atomic.Int64   // derived images read back from the store
}

func newDeriver(o Options) *deriver {
	if o.CacheBytes <= 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if o.MaxOutputPixels <= 0 {
		o.MaxOutputPixels = DefaultMaxOutputPixels
	}
	if o.MaxFramePixels <= 0 {
		o.MaxFramePixels = imaging.DefaultMaxFramePixels
	}
	if o.Renders == nil {
		o.Renders = admit.New(0, -1, 0)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	st := stats.NewCounter()
	small := o.CacheBytes / 16
	return &deriver{opts: o, quota: newQuota(o.DerivedStoreBytes, o.Now, o.Logger), stats: st,
		cache: otter.Must(&otter.Options[string, cached]{
			MaximumWeight: uint64(max(o.CacheBytes-small, 1)), Weigher: weigh, StatsRecorder: st,
		}),
		originals: otter.Must(&otter.Options[string, original]{
			MaximumWeight:    uint64(max(small, 1)),
			Weigher:          func(_ string, v original) uint32 { return uint32(len(v.png) + 64) },
			ExpiryCalculator: otter.ExpiryWriting[string, original](originalTTL),
			StatsRecorder:    st,
		}),
	}
}

// CacheStats counts the derived images and decoded sources found in the
// in-memory cache and the store, those that were not, and evictions; for
// metrics.
type CacheStats struct {
	MemoryHits, MemoryMisses, MemoryEvictions, MemoryBytes int64
	StoreHits, StoreMisses, StoreEvictions, StoreBytes     int64
}

// CacheStats reports the caches' counts so far. A store miss is a render.
func (l *Library) CacheStats() CacheStats {
	m := l.d.stats.Snapshot()
	return CacheStats{
		MemoryHits: int64(m.Hits), MemoryMisses: int64(m.Misses), MemoryEvictions: int64(m.Evictions), MemoryBytes: l.CacheBytes(),
		StoreHits: l.d.storeHits.Load(), StoreMisses: l.d.renders.Load(), StoreEvictions: l.d.quota.Evicted(), StoreBytes: l.d.quota.Bytes(),
	}
}

// DerivedETag is the strong entity tag of the image derived from the
// source id by p: the id and a hash of p's canonical text, so that two
// requests for the same output share it.
func DerivedETag(id string, p imaging.Params) string {
	return `"` + id + "-" + paramsHash(p) + `"`
}

func paramsHash(p imaging.Params) string {
	sum := sha256.Sum256([]byte(p.String()))
	return hex.EncodeToString(sum[:16])
}

// errQuota means a derived object that the store quota had no room for.
var errQuota = errors.New("no room in -derived-store-bytes (objects in use are being written or deleted)")

// putDerived writes a derived image or pyramid level under the store
// quota: its size reserved first (evicting as needed), given back if the
// write fails. Errors: errQuota, store's.
func (l *Library) putDerived(ctx context.Context, key string, data []byte) error {
	size := int64(len(data))
	if !l.d.quota.reserve(ctx, l.store, size) {
		return errQuota
	}
	ctype := "image/png"
	if imaging.IsLevel(data) {
		ctype = "application/zstd"
	}
	if _, _, err := l.store.Put(ctx, key, data, ctype); err != nil {
		l.d.quota.release(size)
		return err
	}
	l.d.quota.stored(key, size)
	return nil
}

func derivedKey(id string, p imaging.Params) string {
	return derivedPrefix + id + "/" + paramsHash(p) + ".png"
}

func levelKey(id string, k int) string {
	// .zst: imaging.EncodeLevel's objects. Levels of earlier versions
	// (level-K.png) are not read: the first derive that needs one builds
	// the pyramid again, and the quota deletes them in time.
	return derivedPrefix + id + "/level-" + strconv.Itoa(k) + ".zst"
}

// Still reports whether the stored image is a still (not an animation),
// from its header. Errors: ErrNotFound, store.ErrUnavailable.
func (l *Library) Still(ctx context.Context, id string) (bool, error) {
	if !validID(id) {
		return false, ErrNotFound
	}
	src, err := l.source(ctx, id)
	return src.frames <= 1, err
}

// Renders counts the derived images rendered (not found in the cache or
// the store) since the library was made.
func (l *Library) Renders() int64 { return l.d.renders.Load() }

// DerivedStoreBytes is the bytes of derived images and pyramid levels this
// node knows of in the store.
func (l *Library) DerivedStoreBytes() int64 { return l.d.quota.Bytes() }

// ScanDerived counts the derived objects already in the store, so that the
// store quota (Options.DerivedStoreBytes) bounds them too. Call it once at
// start. Errors: store.ErrUnavailable.
func (l *Library) ScanDerived(ctx context.Context) error { return l.d.quota.scan(ctx, l.store) }

// Abandoned counts the renders stopped part-way because their caller went
// away.
func (l *Library) Abandoned() int64 { return l.d.abandoned.Load() }

// CacheBytes is the weight the in-memory caches hold now.
func (l *Library) CacheBytes() int64 {
	return int64(l.d.cache.WeightedSize() + l.d.originals.WeightedSize())
}

// SmallOriginal returns a stored original of at most 256 KiB from memory,
// reading it from the store into memory when it is not there; ok is false
// for a larger one, which is better sent from the store (sendfile), and
// always without Options.SmallOriginals.
// Errors: ErrNotFound, store.ErrUnavailable.
func (l *Library) SmallOriginal(ctx context.Context, id string) (png []byte, created time.Time, ok bool, err error) {
	if !l.d.opts.SmallOriginals {
		return nil, time.Time{}, false, nil
	}
	if v, hit := l.d.originals.GetIfPresent(id); hit {
		return v.png, v.created, !v.large, nil
	}
	o, err := l.Stat(ctx, id)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	if o.Size > maxCachedSmallOriginal {
		l.d.originals.Set(id, original{large: true})
		return nil, time.Time{}, false, nil
	}
	r, err := l.Open(ctx, id, 0, -1)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	l.d.originals.Set(id, original{png: data, created: r.ModTime()})
	return data, r.ModTime(), true, nil
}

// Derive returns the PNG of the image derived from the source id by p,
// from the in-memory cache, the store, or a render, in that order.
// Concurrent calls for the same output share one render; a call whose ctx
// ends stops waiting, and a render whose caller went away stops at its
// next step (the others waiting for it then try again).
//
// It does not check that the source still exists: callers Stat it first,
// so that a deleted source's derived images, wherever cached, are
// unreachable. The returned bytes are shared and must not be modified.
// Errors: ErrNotFound, *imaging.OutputTooLargeError, admit.ErrBusy,
// ctx.Err(), store.ErrUnavailable.
func (l *Library) Derive(ctx context.Context, id string, p imaging.Params) ([]byte, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	p = p.Canonical()
	ck := "d/" + id + "/" + p.String()
	if v, ok := l.d.cache.GetIfPresent(ck); ok {
		return v.png, nil
	}
	for {
		ch := l.d.flights.DoChan(ck, func() (any, error) {
			png, err := l.loadOrRender(ctx, id, p)
			if err == nil {
				l.d.cache.Set(ck, cached{png: png})
			}
			return png, err
		})
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case r := <-ch:
			if r.Err != nil && ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue // the caller who ran it went away; this one has not
			}
			if r.Err != nil {
				return nil, r.Err
			}
			return r.Val.([]byte), nil
		}
	}
}

// loadOrRender reads a persisted derived image, or renders and persists
// it.
func (l *Library) loadOrRender(ctx context.Context, id string, p imaging.Params) ([]byte, error) {
	dk := derivedKey(id, p)
	data, err := l.readAll(ctx, dk)
	if err == nil && imaging.IsPNG(data) {
		l.d.quota.used(dk)
		l.d.storeHits.Add(1)
		return data, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	src, err := l.source(ctx, id)
	if err != nil {
		return nil, err
	}
	if frames := max(src.frames, 1); p.OneFrame && p.Frame >= frames {
		return nil, &FrameError{Frame: p.Frame, Frames: frames}
	}
	var content imaging.Content
	if c := p.Canonical(); c.DoTrim {
		if content.Trim, err = l.trimBox(ctx, id, src, c.Trim); err != nil {
			return nil, err
		}
	}
	plan, err := p.PlanContent(src.size, content, l.d.opts.MaxOutputPixels)
	if err != nil {
		return nil, err
	}
	if all := int64(src.frames) * int64(plan.Out.X) * int64(plan.Out.Y); src.frames > 1 && !p.OneFrame && all > l.d.opts.MaxFramePixels {
		return nil, &AnimationTooLargeError{Frames: src.frames, Out: plan.Out, Max: l.d.opts.MaxFramePixels}
	}
	png, err := l.render(ctx, id, src, content, plan, p)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil { // finished, but nobody is waiting
		return nil, err
	}
	if err := l.putDerived(ctx, dk, png); err != nil {
		l.d.opts.Logger.WarnContext(ctx, "a derived image was not persisted; it will be rendered again elsewhere", "key", dk, "err", err)
	}
	return png, nil
}

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
	switch _, ok := l.d.cache.GetIfPresent("l/" + id + "/0"); {
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

// render makes a derived image once a render slot and the bytes it will
// take (renderBytes) are free.
func (l *Library) render(ctx context.Context, id string, src source, c imaging.Content, plan imaging.Plan, p imaging.Params) ([]byte, error) {
	g := l.d.opts.Renders
	ov, err := l.overlayFor(ctx, p, plan)
	if err != nil {
		return nil, err
	}
	extra := smartBytes(p) + l.overlayBytes(ov)
	// load places the overlay on the plan, in the render slot.
	load := func(plan imaging.Plan) (imaging.Plan, error) { return l.withOverlay(ctx, ov, p, plan) }
	// 16-bit sources give 16-bit derived images, and an HDR one kept HDR
	// is 16-bit whatever depth asks.
	if src.deep && (!p.Depth8 || p.KeepHDR) && src.frames <= 1 {
		t, err := g.Admit(ctx, deepBytes(src, plan, p)+extra)
		if err != nil {
			return nil, err
		}
		defer t.Done()
		l.d.renders.Add(1)
		if plan, err = load(plan); err != nil {
			return nil, err
		}
		return l.renderDeep(ctx, id, src.size, c, plan, p)
	}
	if src.frames > 1 {
		t, err := g.Admit(ctx, animationBytes(src, plan, p)+extra)
		if err != nil {
			return nil, err
		}
		defer t.Done()
		l.d.renders.Add(1)
		if plan, err = load(plan); err != nil {
			return nil, err
		}
		return l.renderAnimation(ctx, id, src.size, c, plan, p)
	}
	k := imaging.LevelFor(src.size, len(levelSizes(src.size)), plan.Crop, plan.Resize)
	t, err := g.Admit(ctx, l.renderBytes(id, src, k, plan)+imaging.PaletteBytes(plan.Out, p.Palette)+extra)
	if err != nil {
		return nil, err
	}
	defer t.Done()
	l.d.renders.Add(1)
	if plan, err = load(plan); err != nil {
		return nil, err
	}
	png, err := l.renderSteps(ctx, id, src.size, k, c, plan, p)
	if err != nil && ctx.Err() != nil {
		l.d.abandoned.Add(1)
	}
	return png, err
}

// renderBytes is the most memory rendering plan from level k takes: the
// level, unless it is cached (decoded from the store, or, when the store
// has no pyramid yet, the original decoded and halved into every level,
// the largest encoded), and the steps after it (Plan.Bytes).
func (l *Library) renderBytes(id string, src source, k int, plan imaging.Plan) int64 {
	sizes := levelSizes(src.size)
	crop := imaging.Scale(plan.Crop, src.size, sizes[k]).Size()
	n := plan.Bytes(crop)
	if _, ok := l.d.cache.GetIfPresent("l/" + id + "/" + strconv.Itoa(k)); ok {
		return n
	}
	n += src.decodeBytes()
	if k > 0 {
		for _, s := range sizes[1:] {
			n += 4 * int64(s.X) * int64(s.Y)
		}
		n += imaging.EncodeBytes(sizes[1].X, sizes[1].Y, 4)
	}
	return n
}

func (l *Library) renderSteps(ctx context.Context, id string, size image.Point, k int, c imaging.Content, plan imaging.Plan, p imaging.Params) ([]byte, error) {
	src, err := l.level(ctx, id, size, k)
	if err != nil {
		return nil, err
	}
	plan, err = l.focusPlan(ctx, p, size, c, plan, src.Rect.Size(), func(r image.Rectangle, crop image.Point) (float64, float64) {
		return imaging.SmartFocus(src, r, crop)
	})
	if err != nil {
		return nil, err
	}
	r := imaging.Scale(plan.Crop, size, src.Rect.Size())
	m, err := imaging.Transform(ctx, src, r, plan, p)
	if err != nil {
		return nil, err
	}
	return encodeDerived(ctx, m, p)
}

// encodeDerived writes a derived still image, tagged sRGB: lossless, or
// through the palette step when p asks for one.
func encodeDerived(ctx context.Context, m image.Image, p imaging.Params) ([]byte, error) {
	lossless := func() ([]byte, error) {
		_, span := tracing.Start(ctx, "encode", attribute.String("pngd.mode", "fast"))
		buf, err := imaging.EncodePNGSRGB(m)
		tracing.End(span, err)
		if err != nil {
			return nil, fmt.Errorf("encoding a derived image: %w", err)
		}
		defer imaging.ReleaseBuffer(buf)
		return bytes.Clone(buf.Bytes()), nil
	}
	if !p.Palette.On() {
		return lossless()
	}
	_, span := tracing.Start(ctx, "palette", attribute.Int("pngd.colors", p.Palette.Colors))
	png, err := imaging.EncodePalette(ctx, m, p.Palette, lossless)
	tracing.End(span, err)
	return png, err
}

// FrameError means frame=N of an image with fewer frames.
type FrameError struct{ Frame, Frames int }

func (e *FrameError) Error() string {
	if e.Frames == 1 {
		return fmt.Sprintf("frame %d of a still image: it has only frame 0", e.Frame)
	}
	return fmt.Sprintf("frame %d of an animation of %d frames (0 to %d)", e.Frame, e.Frames, e.Frames-1)
}

// AnimationTooLargeError means a derived animation with more pixels over
// all its frames than Options.MaxFramePixels.
type AnimationTooLargeError struct {
	Frames int
	Out    image.Point
	Max    int64
}

func (e *AnimationTooLargeError) Error() string {
	return fmt.Sprintf("the derived animation would have %d frames of %d×%d, %d pixels in all, more than the %d this server makes; ask for a smaller size, or one frame with frame=N",
		e.Frames, e.Out.X, e.Out.Y, int64(e.Frames)*int64(e.Out.X)*int64(e.Out.Y), e.Max)
}

// frameWorkers is how many frames of an animation are transformed at once:
// one per CPU.
func frameWorkers() int { return runtime.GOMAXPROCS(0) }

// animationBytes is the most memory deriving from an animation takes: the
// stored APNG and every frame decoded (at most the canvas each, at the
// stored depth), the composed canvas and what a DisposePrevious frame
// saves, a copy of the canvas per step (Plan.Bytes), and every output
// frame with the encoded animation (twice the raw frames, at most).
func animationBytes(src source, plan imaging.Plan, p imaging.Params) int64 {
	canvas := int64(src.size.X) * int64(src.size.Y)
	n := src.bytes + int64(src.frames)*canvas*int64(max(src.bpp, 4)) + imaging.ComposerBytes(src.size.X, src.size.Y) + plan.Bytes(plan.Crop.Size())
	if !p.OneFrame {
		n += int64(frameWorkers()) * (4*canvas + plan.Bytes(plan.Crop.Size())) // the frames in flight, each from a copy of the canvas
		n += 3 * 4 * int64(src.frames) * int64(plan.Out.X) * int64(plan.Out.Y)
		if p.Palette.On() { // a paletted copy of every frame, each way, and the two encodings
			n += 4*int64(src.frames)*int64(plan.Out.X)*int64(plan.Out.Y) + imaging.PaletteBytes(plan.Out, p.Palette)
		}
	} else {
		n += imaging.PaletteBytes(plan.Out, p.Palette)
	}
	return n
}

// renderAnimation derives from a stored APNG: every frame composed as a
// viewer shows it, then transformed, converted to sRGB and encoded as an
// APNG with the same delays and loops; or only frame p.Frame, as a still
// PNG.
func (l *Library) renderAnimation(ctx context.Context, id string, size image.Point, c imaging.Content, plan imaging.Plan, p imaging.Params) ([]byte, error) {
	d, toSRGB, err := l.decodeOriginal(ctx, id, "apng")
	if err != nil {
		return nil, err
	}
	if d.Anim == nil {
		return nil, fmt.Errorf("stored object %s: not an animation", key(id))
	}
	// Each frame is transformed, then converted: its output pixels,
	// fewer than the canvas's as a rule.
	frame := func(canvas *image.RGBA) (*image.RGBA, error) {
		m, err := imaging.Transform(ctx, canvas, plan.Crop, plan, p)
		if err == nil && toSRGB != nil {
			toSRGB.ApplyRGBA(m)
		}
		return m, err
	}
	comp := imaging.NewComposer(d.Anim)
	// A smart crop is placed by the first frame shown, and the same for
	// every frame.
	smart := func(canvas *image.RGBA) (err error) {
		plan, err = l.focusPlan(ctx, p, size, c, plan, canvas.Rect.Size(), func(r image.Rectangle, crop image.Point) (float64, float64) {
			return imaging.SmartFocus(canvas, r, crop)
		})
		return err
	}
	if p.OneFrame {
		var canvas *image.RGBA
		for range p.Frame + 1 {
			canvas = comp.Next()
		}
		if err := smart(canvas); err != nil {
			return nil, err
		}
		m, err := frame(canvas)
		if err != nil {
			return nil, err
		}
		return encodeDerived(ctx, m, p)
	}
	// Frames are composed in order (each draws on the one before), and
	// transformed side by side on up to frameWorkers goroutines, each
	// from a copy of its canvas in one of frameWorkers buffers, reused
	// (Transform never returns its source; animationBytes counts them).
	frames := make([]*image.RGBA, len(d.Anim.Frames))
	errs := make([]error, len(frames))
	buffers := make(chan *image.RGBA, frameWorkers())
	for range cap(buffers) {
		buffers <- nil // made when first needed
	}
	first := comp.Next()
	if err := smart(first); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for i := range frames {
		buf := <-buffers
		if ctx.Err() != nil {
			break
		}
		canvas := first
		if i > 0 {
			canvas = comp.Next()
		}
		if buf == nil {
			buf = image.NewRGBA(canvas.Rect)
		}
		copy(buf.Pix, canvas.Pix)
		wg.Add(1)
		go func() {
			defer wg.Done()
			frames[i], errs[i] = frame(buf)
			buffers <- buf
		}()
	}
	wg.Wait()
	if err := cmp.Or(ctx.Err(), errors.Join(errs...)); err != nil {
		return nil, err
	}
	if p.Palette.On() {
		_, span := tracing.Start(ctx, "palette", attribute.Int("pngd.colors", p.Palette.Colors), attribute.Int("pngd.frames", len(frames)))
		png, err := imaging.EncodePaletteAnimation(ctx, d.Anim, frames, p.Palette)
		tracing.End(span, err)
		return png, err
	}
	_, span := tracing.Start(ctx, "encode", attribute.String("pngd.mode", "fast"), attribute.Int("pngd.frames", len(frames)))
	png, err := imaging.EncodeAnimationSRGB(imaging.DerivedAnimation(d.Anim, frames))
	tracing.End(span, err)
	if err != nil {
		return nil, fmt.Errorf("encoding a derived animation: %w", err)
	}
	return png, nil
}

// deepBytes is the most memory a 16-bit derive takes: the original decoded
// (decodeBytes), its 16-bit working copy, and the steps after it at twice
// the 8-bit cost (Plan.Bytes).
func deepBytes(src source, plan imaging.Plan, p imaging.Params) int64 {
	return src.decodeBytes() + 8*int64(src.size.X)*int64(src.size.Y) + 2*plan.Bytes(plan.Crop.Size()) + imaging.PaletteBytes(plan.Out, p.Palette)
}

// renderDeep derives from a 16-bit original at 16 bits: decoded whole (no
// 8-bit pyramid level would do), converted to sRGB, transformed and
// written at 16 bits.
func (l *Library) renderDeep(ctx context.Context, id string, size image.Point, c imaging.Content, plan imaging.Plan, p imaging.Params) ([]byte, error) {
	d, toSRGB, err := l.decodeOriginal(ctx, id, "png16")
	if err != nil {
		return nil, err
	}
	m := imaging.ToRGBA16(d.Image)
	d.Image = nil
	var hdr *colour.HDR
	if d.Profile != nil {
		hdr = d.Profile.HDR()
	}
	if hdr != nil && p.KeepHDR {
		toSRGB = nil // kept as it is, and tagged with its cICP below
	} else {
		hdr = nil
	}
	if toSRGB != nil {
		toSRGB.ApplyRGBA16(m.Pix)
	}
	plan, err = l.focusPlan(ctx, p, size, c, plan, m.Rect.Size(), func(r image.Rectangle, crop image.Point) (float64, float64) {
		return imaging.SmartFocus16(m, r, crop)
	})
	if err != nil {
		return nil, err
	}
	out, err := imaging.Transform16(ctx, m, plan.Crop, plan, p)
	if err != nil {
		return nil, err
	}
	if hdr == nil && p.Palette.On() { // quantized from its 16 bits
		return encodeDerived(ctx, out.RGBA64(), p)
	}
	_, span := tracing.Start(ctx, "encode", attribute.String("pngd.mode", "fast"), attribute.Int("pngd.depth", 16))
	var buf *bytes.Buffer
	if hdr != nil {
		buf, err = imaging.EncodePNGHDR(out.RGBA64(), *hdr)
	} else {
		buf, err = imaging.EncodePNGSRGB(out.RGBA64())
	}
	tracing.End(span, err)
	if err != nil {
		return nil, fmt.Errorf("encoding a derived image: %w", err)
	}
	defer imaging.ReleaseBuffer(buf)
	return bytes.Clone(buf.Bytes()), nil
}

// decodeOriginal reads and decodes a stored original whole (format names
// it for the trace), with its transform to sRGB, nil when it is sRGB.
// Errors: ErrNotFound, store.ErrUnavailable, or a decoding error for a
// damaged object.
func (l *Library) decodeOriginal(ctx context.Context, id, format string) (imaging.Decoded, *colour.Transform, error) {
	data, err := l.readAll(ctx, key(id))
	if errors.Is(err, store.ErrNotFound) {
		return imaging.Decoded{}, nil, ErrNotFound
	}
	if err != nil {
		return imaging.Decoded{}, nil, err
	}
	_, span := tracing.Start(ctx, "decode", attribute.String("pngd.format", format))
	// It was bounded when it was uploaded; the limits of the day may be
	// lower, and must not make a stored image unusable.
	d, err := imaging.Decode(data, imaging.Limits{MaxFrames: math.MaxInt, MaxFramePixels: math.MaxInt64})
	tracing.End(span, err)
	if err != nil {
		return imaging.Decoded{}, nil, fmt.Errorf("stored object %s: %w", key(id), err)
	}
	var toSRGB *colour.Transform
	if pr := d.Profile; pr != nil && !pr.IsSRGB() {
		if toSRGB, err = pr.ToSRGB(); err != nil {
			return imaging.Decoded{}, nil, fmt.Errorf("stored object %s: %w", key(id), err)
		}
	}
	return d, toSRGB, nil
}

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
	ck := "l/" + id + "/" + strconv.Itoa(k)
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
	m, err := l.decodeLevel(ctx, levelKey(id, k))
	if err == nil {
		l.d.quota.used(levelKey(id, k))
		l.d.cache.Set(ck, cached{img: m})
		return m, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
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
		l.d.cache.Set("l/"+id+"/"+strconv.Itoa(k), cached{img: m})
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

func (l *Library) readAll(ctx context.Context, key string) ([]byte, error) {
	r, err := l.store.OpenRange(ctx, key, 0, -1)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// Exactly the object's size: a bytes.Buffer would double its
	// capacity to find EOF after the last byte.
	data := make([]byte, r.Size())
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	return data, nil
}

// forget drops a source's entries from the in-memory cache and its derived
// objects from the store. Failing to remove an object only costs space:
// Derive's callers check the source first.
func (l *Library) forget(ctx context.Context, id string) {
	l.d.quota.forget(derivedPrefix + id + "/")
	l.d.originals.Invalidate(id)
	for k := range l.d.cache.Keys() {
		if len(k) > 2 && strings.HasPrefix(k[2:], id) {
			l.d.cache.Invalidate(k)
		}
	}
	var token []byte
	for {
		objs, next, err := l.store.List(ctx, derivedPrefix+id+"/", token, 1000)
		if err != nil {
			l.d.opts.Logger.WarnContext(ctx, "derived images of a deleted source were not listed for removal", "id", id, "err", err)
			return
		}
		for _, o := range objs {
			if err := l.store.Delete(ctx, o.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
				l.d.opts.Logger.WarnContext(ctx, "a derived image of a deleted source was not removed", "key", o.Key, "err", err)
			}
		}
		if len(next) == 0 {
			// On local disk, the folder goes too (store.Store does it; a
			// store without folders need not).
			if d, ok := l.store.(interface{ RemoveEmptyDir(string) }); ok {
				d.RemoveEmptyDir(derivedPrefix + id + "/")
			}
			return
		}
		token = next
	}
}

// decodeLevel reads and decodes the pyramid level at key. Errors:
// ErrNotFound, store.ErrUnavailable, or a decoding error for a damaged
// object.
func (l *Library) decodeLevel(ctx context.Context, key string) (*image.RGBA, error) {
	data, err := l.readAll(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	_, span := tracing.Start(ctx, "decode", attribute.String("pngd.key", key), attribute.String("pngd.format", "level"))
	m, err := imaging.DecodeLevel(data)
	tracing.End(span, err)
	if err != nil {
		return nil, fmt.Errorf("stored object %s: %w", key, err)
	}
	return m, nil
}
