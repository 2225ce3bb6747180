package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func TestSniff(t *testing.T) {
	for _, tt := range []struct {
		data string
		want Format
		ok   bool
	}{
		{"\x89PNG\r\n\x1a\nrest", PNG, true},
		{"\xff\xd8\xff\xe0", JPEG, true},
		{"GIF87a", GIF, true},
		{"GIF89a...", GIF, true},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", WebP, true},
		{"RIFF\x00\x00\x00\x00AVI ", "", false},
		{"BM\x00\x00", BMP, true},
		{"II*\x00", TIFF, true},
		{"MM\x00*", TIFF, true},
		{"<svg", "", false},
		{"", "", false},
		{"\x89PN", "", false},
	} {
		if got, ok := Sniff([]byte(tt.data)); got != tt.want || ok != tt.ok {
			t.Errorf("Sniff(%q) = %q, %v; want %q, %v", tt.data, got, ok, tt.want, tt.ok)
		}
	}
}

func encodePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeErrors(t *testing.T) {
	good := encodePNG(t, 10, 10)
	var tooMany *TooManyPixelsError
	var corrupt *CorruptError
	if _, err := Decode(good, Limits{MaxPixels: 99}); !errors.As(err, &tooMany) || tooMany.Width != 10 {
		t.Errorf("100 pixels, limit 99: %v, want TooManyPixelsError", err)
	}
	if d, err := Decode(good, Limits{MaxPixels: 100}); err != nil || d.Format != PNG || d.Image.Bounds().Dx() != 10 {
		t.Errorf("100 pixels, limit 100: %+v, %v", d, err)
	}
	if _, err := Decode(good[:len(good)-20], Limits{MaxPixels: 100}); !errors.As(err, &corrupt) {
		t.Errorf("truncated: %v, want CorruptError", err)
	}
	if _, err := Decode([]byte("plain text"), Limits{MaxPixels: 100}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("text: %v, want ErrUnknownFormat", err)
	}
}

// jpegWithOrientation is a 4×2 JPEG with an EXIF Orientation in APP1, in
// the byte order given.
func jpegWithOrientation(t testing.TB, littleEndian bool, o byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 4, 2))
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00" + string([]byte{o}) + "\x00\x00\x00\x00\x00\x00")
	if littleEndian {
		tiff = []byte("II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00" + string([]byte{o}) + "\x00\x00\x00\x00\x00\x00\x00")
	}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := append([]byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func TestExifOrientation(t *testing.T) {
	for o := byte(1); o <= 8; o++ {
		for _, le := range []bool{false, true} {
			if got := exifOrientation(jpegWithOrientation(t, le, o)); got != int(o) {
				t.Errorf("orientation %d (little endian %v): read %d", o, le, got)
			}
		}
	}
	if got := exifOrientation(jpegWithOrientation(t, false, 9)); got != 1 {
		t.Errorf("orientation 9: read %d, want 1", got)
	}
	j := jpegWithOrientation(t, false, 6)
	for n := range len(j) {
		exifOrientation(j[:n]) // every truncation: no panic
	}
	d, err := Decode(jpegWithOrientation(t, true, 6), Limits{MaxPixels: 100})
	img := d.Image
	if err != nil || img.Bounds().Dx() != 2 || img.Bounds().Dy() != 4 {
		t.Errorf("orientation 6 decoded to %v (%v), want 2×4", img.Bounds(), err)
	}
}

func TestOrientKeepsAlpha(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	src.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 40})
	got, ok := Orient(src, 6).(*image.NRGBA)
	if !ok || got.Rect.Dx() != 1 || got.Rect.Dy() != 2 {
		t.Fatalf("Orient(NRGBA, 6) = %T %v", got, got.Rect)
	}
	if c := got.NRGBAAt(0, 0); c != (color.NRGBA{10, 20, 30, 40}) {
		t.Errorf("top pixel %v, want the source's left pixel unpremultiplied", c)
	}
}

// FuzzDecode feeds Decode anything: it must not panic, must keep to the
// pixel limit, and an image it returns must have the size its header
// declared (after orientation).
func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(f, 3, 2))
	f.Add(jpegWithOrientation(f, false, 6))
	f.Add(jpegWithOrientation(f, true, 3))
	f.Add([]byte("GIF89a\x02\x00\x02\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x02\x00\x02\x00\x00\x02\x02\x84Q\x00;"))
	f.Add([]byte("BM"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00"))
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x06\x00\x00\x00"))
	const maxPixels = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data, Limits{MaxPixels: maxPixels})
		img := d.Image
		if err != nil {
			var tooMany *TooManyPixelsError
			var corrupt *CorruptError
			if !errors.Is(err, ErrUnknownFormat) && !errors.As(err, &tooMany) && !errors.As(err, &corrupt) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		b := img.Bounds()
		if b.Empty() || int64(b.Dx())*int64(b.Dy()) > maxPixels {
			t.Fatalf("decoded %v past the limit of %d pixels", b, maxPixels)
		}
		if _, err := EncodeOriginal(Normalize(img), d.Profile); err != nil {
			t.Fatalf("a decoded image does not encode: %v", err)
		}
	})
}
