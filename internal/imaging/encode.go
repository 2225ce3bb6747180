// Package imaging turns images into bytes and back.
package imaging

import (
	"bytes"
	"image"
	"runtime"
	"sync"
	"time"

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
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer observe("encode", PNG, time.Now())
	if err := fastEncoder.Encode(buf, img); err != nil {
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
// the PNG pngd stores (pngenc's stored mode). The same pixels in the same
// type always give the same bytes, on any machine.
func EncodeOriginal(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	defer observe("encode", PNG, time.Now())
	if err := storedEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
