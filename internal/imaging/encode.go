// Package imaging turns images into bytes and back.
package imaging

import (
	"bytes"
	"image"
	"runtime"
	"sync"
	"time"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/pngenc"
)

// Every PNG pngd writes goes through pngenc: fast for what is made per
// request (heatmaps, derived images, pyramid levels), stored for the
// originals, written once and served many times. The bytes do not depend
// on the machine's core count, so the ids of stored images do not either.
var (
	fastEncoder   = pngenc.Encoder{Mode: pngenc.Fast}
	storedEncoder = pngenc.Encoder{Mode: pngenc.Stored}
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// EncodePNG encodes img as PNG (pngenc's fast mode) into a pooled buffer.
// The caller owns the buffer and hands it back with ReleaseBuffer when
// the bytes are sent.
func EncodePNG(img image.Image) (*bytes.Buffer, error) {
	return encodePooled(img, pngenc.Meta{})
}

func encodePooled(img image.Image, meta pngenc.Meta) (*bytes.Buffer, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer observe("encode", PNG, time.Now())
	if err := fastEncoder.EncodeMeta(buf, img, meta); err != nil {
		ReleaseBuffer(buf)
		return nil, err
	}
	return buf, nil
}

// ReleaseBuffer returns a buffer from EncodePNG to the pool. Buffers that
// grew very large are dropped so that one huge image does not pin memory.
func ReleaseBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 8<<20 {
		bufPool.Put(buf)
	}
}

// EncodeOriginal encodes img, which should have passed through Normalize, as
// the PNG pngd stores (pngenc's stored mode), with profile in iCCP byte for
// byte, or tagged sRGB when profile is nil. The same pixels in the same
// type with the same profile always give the same bytes, on any machine.
func EncodeOriginal(img image.Image, profile *colour.Profile) ([]byte, error) {
	var buf bytes.Buffer
	defer observe("encode", PNG, time.Now())
	if err := storedEncoder.EncodeMeta(&buf, img, originalMeta(profile)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeOriginalAnimation encodes a as the APNG pngd stores, with its
// profile as EncodeOriginal does.
func EncodeOriginalAnimation(a *pngenc.Animation, profile *colour.Profile, private ...pngenc.Chunk) ([]byte, error) {
	var buf bytes.Buffer
	defer observe("encode", PNG, time.Now())
	meta := originalMeta(profile)
	meta.Private = private
	if err := storedEncoder.EncodeAnimation(&buf, *a, meta); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeAnimationSRGB encodes a derived animation (pngenc's fast mode),
// tagged sRGB.
func EncodeAnimationSRGB(a *pngenc.Animation) ([]byte, error) {
	var buf bytes.Buffer
	defer observe("encode", PNG, time.Now())
	if err := fastEncoder.EncodeAnimation(&buf, *a, pngenc.Meta{SRGB: true}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// originalMeta is the colour chunk of a stored original: its profile, or
// sRGB with the perceptual intent.
func originalMeta(p *colour.Profile) pngenc.Meta {
	if p == nil {
		return pngenc.Meta{SRGB: true, Intent: 0}
	}
	if h := p.HDR(); h != nil {
		// HDR: cICP says so to every decoder of PNG's third edition.
		m := pngenc.Meta{CICP: &h.CICP}
		if h.PeakNits > 0 {
			m.ContentLight = &[2]uint32{uint32(h.PeakNits * 10000), 0}
		}
		if md := h.Mastering; md != nil {
			m.Mastering = &pngenc.Mastering{Primaries: md.Primaries, White: md.White, MaxLuminance: md.MaxLuminance, MinLuminance: md.MinLuminance}
		}
		return m
	}
	return pngenc.Meta{ICC: p.Data, ICCName: iccName(p.Description)}
}

// ICCName is the name a stored PNG's iCCP chunk gives a profile of
// description desc: what /info reports of it.
func ICCName(desc string) string { return iccName(desc) }

// iccName is an iCCP profile name from a description: printable Latin-1,
// 1 to 79 bytes, no leading, trailing or doubled spaces (PNG §11.3.3.3).
func iccName(desc string) string {
	var b []byte
	for _, r := range desc {
		if r < 32 || r > 126 || (r == ' ' && (len(b) == 0 || b[len(b)-1] == ' ')) {
			continue
		}
		b = append(b, byte(r))
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	if len(b) > 79 {
		b = bytes.TrimRight(b[:79], " ")
	}
	if len(b) == 0 {
		return "ICC profile"
	}
	return string(b)
}

// EncodePNGSRGB is EncodePNG for a derived image: tagged sRGB (perceptual),
// which its pixels are.
func EncodePNGSRGB(img image.Image) (*bytes.Buffer, error) {
	return encodePooled(img, pngenc.Meta{SRGB: true})
}

// EncodePNGHDR is EncodePNG for a derived image kept HDR: tagged with h's
// cICP (and cLLI), as the stored original is.
func EncodePNGHDR(img image.Image, h colour.HDR) (*bytes.Buffer, error) {
	p, err := colour.HDRProfile(h)
	if err != nil {
		return nil, err
	}
	return encodePooled(img, originalMeta(p))
}

// EncodeBytes is the most memory encoding a w×h image of bpp bytes a pixel
// as PNG allocates: the output, which for noisy pixels is about as large as
// the raw rows, in a buffer that grows by doubling (so up to twice that,
// counting the buffers it outgrew), and pngenc's strips in flight.
// TestPrepareBytesBoundsAllocation holds it to what encoding allocates.
func EncodeBytes(w, h, bpp int) int64 {
	raw := int64(w) * int64(h) * int64(bpp)
	return 2*raw + pngenc.MemoryBytes(w, h, bpp, runtime.GOMAXPROCS(0))
}
