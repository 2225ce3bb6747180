// Package library is pngd's image library: it turns uploaded bytes into
// stored PNGs under content-addressed ids, and finds them again. It knows
// nothing of HTTP.
package library

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/pngd/pngd/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"image"
	"strings"
	"time"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/placeholder"
	"github.com/pngd/pngd/internal/pngenc"
	"github.com/pngd/pngd/internal/store"
)

// prefix is where originals live in the store: images/<id>.png.
const prefix = "images/"

// ErrNotFound means no image has the id.
var ErrNotFound = errors.New("no image has this id")

// ErrBadCursor means a list cursor that no List call returned.
var ErrBadCursor = errors.New("the cursor is not one this server returned")

// validID reports whether id is 64 lowercase hex digits, as the spec's
// ImageID pattern says; anything else names no image (and no key).
func validID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for i := range len(id) {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Image describes a stored image.
type Image struct {
	ID            string
	Width, Height int // zero in List's results, which read no image headers
	Size          int64
	Created       time.Time
	// Colour is the stored PNG's colour chunk: set by Prepare and Info,
	// nil in List's results.
	Colour *Colour
	// Animation describes an animated image (an APNG), set by Prepare
	// and Info; nil for a still image.
	Animation *Animation
	// Placeholder is what a page shows before the image arrives, set by
	// Prepare and Info (nil when Info could not make it).
	Placeholder *placeholder.Placeholder
}

// Animation describes a stored APNG.
type Animation struct {
	Frames   int
	Duration time.Duration // one play of every frame
	Loops    int           // plays; 0 is forever
}

// animationOf describes a; nil for a still image.
func animationOf(a *pngenc.Animation) *Animation {
	if a == nil {
		return nil
	}
	out := &Animation{Frames: len(a.Frames), Loops: int(a.Loops)}
	for _, f := range a.Frames {
		out.Duration += delay(f.DelayNum, f.DelayDen)
	}
	return out
}

// delay is an APNG frame's delay: num/den seconds, den 0 meaning 100.
func delay(num, den uint16) time.Duration {
	if den == 0 {
		den = 100
	}
	return time.Duration(num) * time.Second / time.Duration(den)
}

// Colour describes a stored image's colour: its ICC profile, kept byte for
// byte, or sRGB.
type Colour struct {
	Space    string // "RGB" or "GRAY"
	Profile  string // the profile's description; "sRGB" when none was kept
	Embedded bool   // the PNG carries the uploaded profile
	// HDR is "pq" or "hlg" for an HDR image (stored with cICP), else "".
	HDR string
}

// colourOf describes profile p, nil meaning sRGB, as Info reads it back
// from the stored PNG: the profile's description is the name its iCCP
// chunk gives it (imaging.ICCName).
func colourOf(p *colour.Profile) *Colour {
	if p == nil {
		return &Colour{Space: "RGB", Profile: "sRGB"}
	}
	if h := p.HDR(); h != nil {
		return &Colour{Space: "RGB", Profile: p.Description, HDR: h.Transfer()}
	}
	return &Colour{Space: p.Space, Profile: imaging.ICCName(p.Description), Embedded: true}
}

// ETag is the strong entity tag of the stored PNG: its id, quoted.
func (im Image) ETag() string { return `"` + im.ID + `"` }

// Store is what the library needs of a store; *store.Store is one. Its
// errors are store's: store.ErrNotFound, store.ErrFull,
// store.ErrUnavailable, store.ErrBadCursor.
type Store interface {
	Put(ctx context.Context, key string, data []byte, contentType string) (o store.Object, created bool, err error)
	Stat(ctx context.Context, key string) (store.Object, error)
	OpenRange(ctx context.Context, key string, offset, length int64) (*store.Reader, error)
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string, cursor []byte, limit int) ([]store.Object, []byte, error)
	Ping(ctx context.Context) error
}

// Library stores and finds images, and the images derived from them.
type Library struct {
	store Store
	d     *deriver
}

// New returns a library over s; o configures derived images.
func New(s Store, o Options) *Library { return &Library{store: s, d: newDeriver(o)} }

func key(id string) string { return prefix + id + ".png" }

// Prepared is an upload decoded, made upright and encoded as the PNG to
// store, with its pyramid levels, not yet stored.
type Prepared struct {
	Image
	Format imaging.Format
	// ProfileErr says why the upload's ICC profile was not kept (it is
	// stored as sRGB), for the log.
	ProfileErr error
	// Dropped names a PNG upload's ancillary chunks dropped for a CRC
	// error, for the log.
	Dropped []string
	png     []byte
	levels  [][]byte // encoded pyramid levels 1, 2, …
	// levelImages are the same levels decoded, which Save puts in the
	// in-memory cache: the first derived image of a fresh upload, the
	// usual next request, then need not read and decode a level.
	levelImages []*image.RGBA
}

// Bytes is what p holds: the PNG and its levels, encoded and decoded.
func (p *Prepared) Bytes() int64 {
	n := int64(len(p.png))
	for _, l := range p.levels {
		n += int64(len(l))
	}
	for _, m := range p.levelImages {
		n += int64(len(m.Pix))
	}
	return n
}

// PyramidBytes is the memory Prepare takes, beyond decoding and encoding
// the original (imaging.Header.PrepareBytes), to make the pyramid of a w×h
// upload (an RGBA copy, the halvings, and encoding the largest) and its
// placeholders.
func PyramidBytes(w, h int) int64 {
	px := int64(w) * int64(h)
	if min(w, h) < 2*imaging.MinLevelSide {
		return placeholder.Bytes + 4*px // the placeholders, from a copy of the image
	}
	return 4*px + 4*px/3 + imaging.EncodeBytes((w+1)/2, (h+1)/2, 4) + placeholder.Bytes
}

// Prepare decodes data in any format imaging.Decode reads and encodes it as
// the PNG pngd stores, named by the SHA-256 of those bytes, and encodes the
// pyramid levels its derived images start from (so that the first derive
// of a fresh upload need not decode the original). It is CPU- and
// memory-heavy: callers admit it with imaging.ReadHeader's PrepareBytes
// and PyramidBytes first. Decoding cannot be interrupted (lim bounds its
// worst case); when ctx ends meanwhile, Prepare returns ctx.Err() before
// encoding. The errors are imaging.Decode's and ctx's.
func Prepare(ctx context.Context, data []byte, lim imaging.Limits) (*Prepared, error) {
	_, span := tracing.Start(ctx, "decode", attribute.Int("pngd.bytes", len(data)))
	d, err := imaging.Decode(data, lim)
	img, f := d.Image, d.Format
	span.SetAttributes(attribute.String("pngd.format", string(f)))
	tracing.End(span, err)
	if err != nil {
		return nil, err
	}
	// The levels that derived images start from are sRGB. A profile
	// that cannot convert is dropped, and the image stored as sRGB.
	var toSRGB *colour.Transform
	if p := d.Profile; p != nil && !p.IsSRGB() {
		if toSRGB, err = p.ToSRGB(); err != nil {
			d.Profile, d.ProfileErr = nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	var norm image.Image
	_, span = tracing.Start(ctx, "encode", attribute.String("pngd.mode", "stored"))
	var out []byte
	if d.Anim != nil {
		out, err = imaging.EncodeOriginalAnimation(d.Anim, d.Profile, playChunk(animationOf(d.Anim))...)
	} else {
		norm = imaging.Normalize(img)
		out, err = imaging.EncodeOriginal(norm, d.Profile)
	}
	tracing.End(span, err)
	if err != nil {
		return nil, fmt.Errorf("encoding the PNG to store: %w", err)
	}
	sum := sha256.Sum256(out)
	p := &Prepared{
		Image: Image{
			ID: hex.EncodeToString(sum[:]), Width: b.Dx(), Height: b.Dy(), Size: int64(len(out)),
			Colour: colourOf(d.Profile), Animation: animationOf(d.Anim),
		},
		Format: f, png: out, ProfileErr: d.ProfileErr, Dropped: d.Dropped,
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if d.Anim != nil {
		// Animations have no pyramid: each frame is derived from the
		// original. The placeholders come from the first frame.
		first := imaging.ToRGBA(d.Image)
		if first == d.Image {
			first = imaging.ToRGBA(first.SubImage(first.Rect)) // a copy: the frame is d.Anim's
		}
		if toSRGB != nil {
			toSRGB.ApplyRGBA(first)
		}
		if p.Placeholder, err = placeholderOf(ctx, first); err != nil {
			return nil, err
		}
		return p, nil
	}
	pctx, span := tracing.Start(ctx, "pyramid")
	defer span.End()
	full := imaging.ToRGBA(norm) // norm itself when RGBA: it is encoded, and not needed after
	if toSRGB != nil {
		toSRGB.ApplyRGBA(full)
	}
	levels, err := imaging.Levels(pctx, full)
	if err != nil {
		return nil, err
	}
	smallest := full
	if len(levels) > 0 {
		smallest = levels[len(levels)-1]
	}
	if p.Placeholder, err = placeholderOf(pctx, smallest); err != nil {
		return nil, err
	}
	for _, m := range levels {
		p.levels = append(p.levels, imaging.EncodeLevel(m))
	}
	p.levelImages = levels
	return p, nil
}

// Save stores p unless the same image is stored already, and then its
// pyramid levels. It returns the stored image, and whether this call
// stored it. A level that fails to store is logged; the first derive
// makes it again. Errors: store.ErrFull, store.ErrUnavailable.
func (l *Library) Save(ctx context.Context, p *Prepared) (Image, bool, error) {
	o, created, err := l.store.Put(ctx, key(p.ID), p.png, "image/png")
	if err != nil {
		return Image{}, false, err
	}
	if p.Placeholder != nil {
		l.storePlaceholder(ctx, p.ID, p.Placeholder)
	}
	if created {
		for i, data := range p.levels {
			k := levelKey(p.ID, i+1)
			if err := l.putDerived(ctx, k, data); err != nil {
				l.d.opts.Logger.WarnContext(ctx, "a pyramid level was not stored; the first derive will make it", "key", k, "err", err)
				continue
			}
			if i < len(p.levelImages) { // in memory too, as a derive that read it would keep it
				l.d.cache.Set(levelCacheKey(p.ID, i+1), cached{img: p.levelImages[i]})
			}
		}
	}
	p.levelImages = nil // the cache holds them now, or nobody
	im := p.Image
	im.Created = o.ModTime
	return im, created, nil
}

// Stat describes the image with id, without its width and height.
// Errors: ErrNotFound, store.ErrUnavailable.
func (l *Library) Stat(ctx context.Context, id string) (Image, error) {
	if !validID(id) {
		return Image{}, ErrNotFound
	}
	o, err := l.store.Stat(ctx, key(id))
	if errors.Is(err, store.ErrNotFound) {
		return Image{}, ErrNotFound
	}
	if err != nil {
		return Image{}, err
	}
	return Image{ID: id, Size: o.Size, Created: o.ModTime}, nil
}

// Open opens length bytes of the image's PNG from offset; a negative length
// reads to the end. Errors: ErrNotFound, store.ErrUnavailable.
func (l *Library) Open(ctx context.Context, id string, offset, length int64) (*store.Reader, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	r, err := l.store.OpenRange(ctx, key(id), offset, length)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	return r, err
}

// Delete removes the image, then its derived images. Errors: ErrNotFound,
// store.ErrUnavailable.
func (l *Library) Delete(ctx context.Context, id string) error {
	if !validID(id) {
		return ErrNotFound
	}
	err := l.store.Delete(ctx, key(id))
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	l.forget(ctx, id)
	return nil
}

// List returns up to limit images in id order, from the page cursor names
// ("" for the first), and the cursor of the next page ("" after the last).
// Objects that are not images (a write's temporary file) are skipped, so a
// page may be short. Errors: ErrBadCursor, store.ErrUnavailable.
func (l *Library) List(ctx context.Context, cursor string, limit int) ([]Image, string, error) {
	var token []byte
	if cursor != "" {
		var err error
		if token, err = base64.RawURLEncoding.DecodeString(cursor); err != nil || len(token) == 0 {
			return nil, "", ErrBadCursor
		}
	}
	objs, next, err := l.store.List(ctx, prefix, token, limit)
	if errors.Is(err, store.ErrBadCursor) {
		return nil, "", ErrBadCursor
	}
	if err != nil {
		return nil, "", err
	}
	var ims []Image
	for _, o := range objs {
		id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, prefix), ".png")
		if ok && validID(id) {
			ims = append(ims, Image{ID: id, Size: o.Size, Created: o.ModTime})
		}
	}
	return ims, base64.RawURLEncoding.EncodeToString(next), nil
}

// Ready reports whether the store can be reached.
func (l *Library) Ready(ctx context.Context) error { return l.store.Ping(ctx) }

// Probe checks that the store takes a write, a read and a delete (a store
// that cannot, Ping); see store.Store.Probe.
func (l *Library) Probe(ctx context.Context) error {
	if p, ok := l.store.(interface{ Probe(context.Context) error }); ok {
		return p.Probe(ctx)
	}
	return l.store.Ping(ctx)
}
