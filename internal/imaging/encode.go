// Package imaging turns images into bytes and back.
package imaging

import (
	"bytes"
	"image"
	"image/png"
	"sync"
)

// encoder is the one PNG encoder pngd uses. BestSpeed: every output is made
// per request, and the heatmaps and photos pngd serves compress well even at
// the fastest level; the pool reuses the encoder's deflate state.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}
func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// EncodePNG encodes img as PNG into a pooled buffer. The caller owns the
// buffer and hands it back with ReleaseBuffer when the bytes are sent.
func EncodePNG(img image.Image) (*bytes.Buffer, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if err := encoder.Encode(buf, img); err != nil {
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

// originalEncoder encodes the PNGs pngd stores. They are written once and
// served many times, so it compresses harder than encoder does.
var originalEncoder = png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &encoderPool{}}

// EncodeOriginal encodes img, which should have passed through Normalize, as
// the PNG pngd stores. The same pixels in the same type always give the
// same bytes.
func EncodeOriginal(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := originalEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
