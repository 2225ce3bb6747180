package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestLevelRoundTrip: a level object gives back the pixels it was made
// from, opaque (alpha dropped) and translucent (an alpha plane), sub-images
// included, over one strip and many, at widths whose pixels are not a
// multiple of four; and a damaged or lying one is an error, not a wrong
// picture or a huge allocation.
func TestLevelRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []image.Point{{301, 203}, {700, 500}, {1, 1}, {3, 900}, {70000, 3}} {
		full := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
		for i := range full.Pix {
			full.Pix[i] = byte(i/4%301) + byte(r.IntN(8))
		}
		opaque := image.NewRGBA(full.Rect)
		copy(opaque.Pix, full.Pix)
		for i := 3; i < len(opaque.Pix); i += 4 {
			opaque.Pix[i] = 255
		}
		sub := image.Rect(size.X/3, size.Y/4, size.X, size.Y)
		for _, m := range []*image.RGBA{full, opaque, full.SubImage(sub).(*image.RGBA), opaque.SubImage(sub).(*image.RGBA)} {
			data := EncodeLevel(m)
			if !IsLevel(data) || IsPNG(data) {
				t.Fatal("a level object is not told apart from a PNG")
			}
			if m.Opaque() != (data[len(levelMagic)+8]&levelAlpha == 0) {
				t.Errorf("%v: opaque %v, but the alpha flag says otherwise", m.Rect, m.Opaque())
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
					t.Fatalf("%v: row %d differs", m.Rect, y)
				}
			}
		}
	}
	full := image.NewRGBA(image.Rect(0, 0, 700, 500))
	for i := range full.Pix {
		full.Pix[i] = byte(i/4%301) + byte(r.IntN(8))
	}
	data := EncodeLevel(full)
	if _, err := DecodeLevel(data[:len(data)-10]); err == nil {
		t.Error("a truncated level decoded")
	}
	if _, err := DecodeLevel(append(bytes.Clone(data), 0)); err == nil {
		t.Error("a level with a byte after its last strip decoded")
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
	// Every byte of the strips flipped in turn, a few hundred places:
	// S2 blocks carry no checksum, so a flipped literal is caught only by
	// the level's own CRC.
	for i := levelHeader(); i < len(data); i += len(data) / 300 {
		bad := bytes.Clone(data)
		bad[i] ^= 0x10
		if _, err := DecodeLevel(bad); err == nil {
			t.Fatalf("a level with byte %d flipped decoded", i)
		}
	}
	if _, err := DecodeLevel([]byte("\x89PNG\r\n\x1a\n")); err == nil {
		t.Error("a PNG decoded as a level")
	}
}

// TestLevelV1: objects of the format before (zstd over the RGBA, made here
// as pngd made them) are still read, and their damage is an error.
func TestLevelV1(t *testing.T) {
	m := levelPicture()
	data := encodeLevelV1(t, m)
	if !IsLevel(data) {
		t.Fatal("a v1 level is not a level")
	}
	got, err := DecodeLevel(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rect != m.Rect || !bytes.Equal(got.Pix, m.Pix) {
		t.Error("a v1 level decoded to other pixels")
	}
	if _, err := DecodeLevel(data[:len(data)-10]); err == nil {
		t.Error("a truncated v1 level decoded")
	}
}

// encodeLevelV1 is the encoder of the format before: the magic, the size,
// and the RGBA compressed whole with zstd at its fastest.
func encodeLevelV1(t testing.TB, m *image.RGBA) []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), levelMagicV1...)
	out = binary.BigEndian.AppendUint32(out, uint32(m.Rect.Dx()))
	out = binary.BigEndian.AppendUint32(out, uint32(m.Rect.Dy()))
	return enc.EncodeAll(m.Pix, out)
}

// FuzzDecodeLevel: whatever a stored level object has become, decoding it
// is an error or a picture of the size it declares, and never allocates
// more than that picture and a strip.
func FuzzDecodeLevel(f *testing.F) {
	small := image.NewRGBA(image.Rect(0, 0, 37, 29))
	for i := range small.Pix {
		small.Pix[i] = byte(i * 7)
	}
	f.Add(EncodeLevel(small))
	for i := 3; i < len(small.Pix); i += 4 {
		small.Pix[i] = 255
	}
	f.Add(EncodeLevel(small))
	f.Add(encodeLevelV1(f, small))
	f.Fuzz(func(t *testing.T, data []byte) {
		size, ok := LevelSize(data)
		if ok && (size.X > 1<<22 || size.Y > 1<<22 || size.X*size.Y > 1<<22) {
			return // a lie the decoder would allocate for; bounded by maxLevelPixels
		}
		m, err := DecodeLevel(data)
		if err != nil {
			return
		}
		if m.Rect.Size() != size || len(m.Pix) != 4*size.X*size.Y {
			t.Fatalf("decoded %v (%d bytes), declared %v", m.Rect, len(m.Pix), size)
		}
	})
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
