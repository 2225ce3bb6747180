package pngenc

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"testing"
)

// photo is a w×h opaque stand-in for a photograph: smooth gradients with
// grain.
func photo(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(4, 4))
	for y := range h {
		for x := range w {
			o := m.PixOffset(x, y)
			g := uint8(r.IntN(12))
			m.Pix[o], m.Pix[o+1], m.Pix[o+2], m.Pix[o+3] = uint8(x*255/w)+g, uint8(y*255/h)+g, uint8((x+y)*127/(w+h))+g, 255
		}
	}
	return m
}

// The encoders side by side on a 2048×1536 photo-like image (3.1 MP):
// MB/s of raw RGBA in, and the PNG's bytes (b.ReportMetric "bytes").
func benchEncode(b *testing.B, enc func(io.Writer, image.Image) error) {
	m := photo(2048, 1536)
	var buf bytes.Buffer
	b.SetBytes(int64(len(m.Pix)))
	for b.Loop() {
		buf.Reset()
		if err := enc(&buf, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

func BenchmarkFast(b *testing.B) {
	benchEncode(b, (&Encoder{Mode: Fast}).Encode)
}

func BenchmarkStored(b *testing.B) {
	benchEncode(b, (&Encoder{Mode: Stored}).Encode)
}

func BenchmarkStdlibBestSpeed(b *testing.B) {
	benchEncode(b, (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode)
}

func BenchmarkStdlibDefault(b *testing.B) {
	benchEncode(b, (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode)
}
