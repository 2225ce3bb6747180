package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"math/rand/v2"
	"testing"
)

// TestLevelRoundTrip: a level object gives back the pixels it was made
// from, sub-images included, and a damaged or lying one is an error, not
// a wrong picture or a huge allocation.
func TestLevelRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	full := image.NewRGBA(image.Rect(0, 0, 301, 203))
	for i := range full.Pix {
		full.Pix[i] = byte(i/4%301) + byte(r.IntN(8))
	}
	for _, m := range []*image.RGBA{full, full.SubImage(image.Rect(10, 20, 110, 90)).(*image.RGBA)} {
		data := EncodeLevel(m)
		if !IsLevel(data) || IsPNG(data) {
			t.Fatal("a level object is not told apart from a PNG")
		}
		got, err := DecodeLevel(data)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rect.Size() != m.Rect.Size() {
			t.Fatalf("size %v, want %v", got.Rect.Size(), m.Rect.Size())
		}
		for y := range m.Rect.Dy() {
			a := got.Pix[y*got.Stride : y*got.Stride+4*m.Rect.Dx()]
			b := m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y):][:4*m.Rect.Dx()]
			if !bytes.Equal(a, b) {
				t.Fatalf("row %d differs", y)
			}
		}
	}
	data := EncodeLevel(full)
	if _, err := DecodeLevel(data[:len(data)-10]); err == nil {
		t.Error("a truncated level decoded")
	}
	lying := bytes.Clone(data)
	binary.BigEndian.PutUint32(lying[len(levelMagic):], 302)
	if _, err := DecodeLevel(lying); err == nil {
		t.Error("a level whose size lies decoded")
	}
	huge := bytes.Clone(data)
	binary.BigEndian.PutUint32(huge[len(levelMagic):], 1<<20)
	binary.BigEndian.PutUint32(huge[len(levelMagic)+4:], 1<<20)
	if _, err := DecodeLevel(huge); err == nil {
		t.Error("a level of 2^40 pixels was accepted")
	}
	if _, err := DecodeLevel([]byte("\x89PNG\r\n\x1a\n")); err == nil {
		t.Error("a PNG decoded as a level")
	}
}

// BenchmarkLevelDecode against BenchmarkLevelDecodePNG: reading a 1024²
// pyramid level of a photograph-like image, as a cold derive does.
func BenchmarkLevelDecode(b *testing.B) {
	m := levelPicture()
	data := EncodeLevel(m)
	for b.Loop() {
		if _, err := DecodeLevel(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "stored-bytes")
}

func BenchmarkLevelDecodePNG(b *testing.B) {
	m := levelPicture()
	buf, err := EncodePNG(m)
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Clone(buf.Bytes())
	for b.Loop() {
		if _, err := Decode(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "stored-bytes")
}

// levelPicture is a 1024² smooth gradient with mild noise, as a halved
// photograph is.
func levelPicture() *image.RGBA {
	r := rand.New(rand.NewPCG(3, 4))
	m := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	for y := range 1024 {
		for x := range 1024 {
			i := m.PixOffset(x, y)
			n := byte(r.IntN(6))
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = byte(x/4)+n, byte(y/4)+n, byte((x+y)/8)+n, 255
		}
	}
	return m
}
