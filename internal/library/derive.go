package library

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/maypok86/otter/v2/stats"
	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sync/singleflight"

	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/store"
	"github.com/pngd/pngd/internal/tracing"
)

// derivedPrefix is where derived images and pyramid levels live in the
// store, one folder per source: derived/<id>/<hash of params>.png and
// derived/<id>/level-<k>.lvl. Every node of a cluster reuses them.
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
		ctype = "application/octet-stream"
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

// levelKey is where imaging.EncodeLevel's object for level k of source id
// is stored.
func levelKey(id string, k int) string {
	return derivedPrefix + id + "/level-" + strconv.Itoa(k) + ".lvl"
}

// levelKeyV1 is where the versions before stored level k, as zstd
// (imaging.DecodeLevel reads them still). Levels older than that
// (level-K.png) are not read: the first derive that needs one builds the
// pyramid again, and the quota deletes them in time.
func levelKeyV1(id string, k int) string {
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
	if _, ok := l.d.cache.GetIfPresent(levelCacheKey(id, k)); ok {
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
