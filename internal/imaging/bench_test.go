package imaging

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// photo is a w×h stand-in for a photograph: smooth gradients with fine
// grain, which compresses like one.
func photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(1)
	for y := range h {
		for x := range w {
			seed = seed*1664525 + 1013904223
			grain := float64(seed>>24)/255*24 - 12
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			i := 4 * (y*w + x)
			m.Pix[i] = uint8(math.Max(0, math.Min(255, 128+100*math.Sin(6*fx+2*fy)+grain)))
			m.Pix[i+1] = uint8(math.Max(0, math.Min(255, 128+90*math.Cos(5*fy-3*fx)+grain)))
			m.Pix[i+2] = uint8(math.Max(0, math.Min(255, 100+80*math.Sin(9*fx*fy)+grain)))
			m.Pix[i+3] = 255
		}
	}
	return m
}

// The stages of a cold derived image from a 2048×2048 photo to ~256 px:
// decoding (the upload's JPEG, and a stored pyramid level), the box
// pyramid, the Lanczos resample from the 512 level, and encoding.

func BenchmarkDecodeJPEG2048(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photo(2048, 2048), &jpeg.Options{Quality: 80}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := Decode(buf.Bytes(), Limits{MaxPixels: math.MaxInt64}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePNGLevel512(b *testing.B) {
	out, err := EncodePNG(photo(512, 512))
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Clone(out.Bytes())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d, err := Decode(data, Limits{MaxPixels: math.MaxInt64})
		img := d.Image
		if err != nil {
			b.Fatal(err)
		}
		ToRGBA(img)
	}
}

func BenchmarkPyramid2048(b *testing.B) {
	src := photo(2048, 2048)
	for b.Loop() {
		if _, err := Levels(context.Background(), src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResample512To256(b *testing.B) {
	src := photo(512, 512)
	for b.Loop() {
		Resample(src, src.Rect, image.Pt(256, 256))
	}
}

func BenchmarkResample2048To256Direct(b *testing.B) {
	src := photo(2048, 2048)
	for b.Loop() {
		Resample(src, src.Rect, image.Pt(256, 256))
	}
}

func BenchmarkBlur256Sigma10(b *testing.B) {
	src := photo(256, 256)
	for b.Loop() {
		if err := Blur(context.Background(), src, 10); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePNG256(b *testing.B) {
	m := Resample(photo(512, 512), image.Rect(0, 0, 512, 512), image.Pt(256, 256))
	for b.Loop() {
		buf, err := EncodePNG(m)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
		ReleaseBuffer(buf)
	}
}

// BenchmarkResampleXImage2048To256 is x/image/draw's Catmull-Rom, which
// Resample replaced, on the same work as BenchmarkResample2048To256Direct.
func BenchmarkResampleXImage2048To256(b *testing.B) {
	src := photo(2048, 2048)
	for b.Loop() {
		dst := image.NewRGBA(image.Rect(0, 0, 256, 256))
		xdraw.CatmullRom.Scale(dst, dst.Rect, src, src.Rect, xdraw.Src, nil)
	}
}

// BenchmarkResampleXImage512To256 is x/image/draw's Catmull-Rom on the
// work of BenchmarkResample512To256.
func BenchmarkResampleXImage512To256(b *testing.B) {
	src := photo(512, 512)
	for b.Loop() {
		dst := image.NewRGBA(image.Rect(0, 0, 256, 256))
		xdraw.CatmullRom.Scale(dst, dst.Rect, src, src.Rect, xdraw.Src, nil)
	}
}
