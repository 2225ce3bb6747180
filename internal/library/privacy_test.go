package library

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"testing"

	"github.com/pngd/pngd/internal/imaging"
)

// exifWithGPS is an EXIF (TIFF, little-endian) block with an orientation, a
// camera make and a GPS IFD whose map datum names a place: what a phone
// writes.
func exifWithGPS(orientation uint32, make, place string) []byte {
	le := binary.LittleEndian
	b := []byte("II\x2a\x00\x08\x00\x00\x00")
	ifd0 := 8
	makeAt := ifd0 + 2 + 3*12 + 4
	gpsAt := makeAt + len(make) + 1
	placeAt := gpsAt + 2 + 12 + 4
	entry := func(tag, typ uint16, count, value uint32) []byte {
		e := le.AppendUint16(nil, tag)
		e = le.AppendUint16(e, typ)
		e = le.AppendUint32(e, count)
		return le.AppendUint32(e, value)
	}
	b = le.AppendUint16(b, 3)
	b = append(b, entry(0x0112, 3, 1, orientation)...)                      // Orientation
	b = append(b, entry(0x010f, 2, uint32(len(make)+1), uint32(makeAt))...) // Make
	b = append(b, entry(0x8825, 4, 1, uint32(gpsAt))...)                    // GPSInfo
	b = le.AppendUint32(b, 0)
	b = append(append(b, make...), 0)
	b = le.AppendUint16(b, 1)
	b = append(b, entry(0x0012, 2, uint32(len(place)+1), uint32(placeAt))...) // GPSMapDatum
	b = le.AppendUint32(b, 0)
	return append(append(b, place...), 0)
}

// TestNoMetadataSurvives: a JPEG with a camera make and a GPS block in its
// EXIF is stored as a PNG of pixels only: no chunk but image data, and none
// of the EXIF's bytes.
func TestNoMetadataSurvives(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photoLike(64, 48).SubImage(image.Rect(0, 0, 64, 48)), nil); err != nil {
		t.Fatal(err)
	}
	const make, place = "Secret-Camera-Model-X", "WGS-84 48.8584N 2.2945E home"
	jpegWith := func(orientation uint32) []byte {
		payload := append([]byte("Exif\x00\x00"), exifWithGPS(orientation, make, place)...)
		app1 := append([]byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
		j := buf.Bytes()
		return append(append(append([]byte{}, j[:2]...), app1...), j[2:]...)
	}
	// The EXIF block is well-formed: its orientation is read and applied.
	if turned, err := Prepare(context.Background(), jpegWith(6), imaging.Limits{MaxPixels: 1 << 20}); err != nil || turned.Width != 48 || turned.Height != 64 {
		t.Fatalf("orientation 6 in the same block: %v, %v", turned, err)
	}

	p, err := Prepare(context.Background(), jpegWith(1), imaging.Limits{MaxPixels: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	stored := p.png
	for _, secret := range []string{make, place, "Exif", "GPS"} {
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("the stored PNG contains %q", secret)
		}
	}
	// The colour chunks (sRGB, or iCCP for an image with a profile) are kept.
	allowed := map[string]bool{"IHDR": true, "sRGB": true, "iCCP": true, "PLTE": true, "tRNS": true, "IDAT": true, "IEND": true}
	for i := 8; i+8 <= len(stored); {
		n := int(binary.BigEndian.Uint32(stored[i:]))
		typ := string(stored[i+4 : i+8])
		if !allowed[typ] {
			t.Errorf("the stored PNG has a %s chunk", typ)
		}
		i += 12 + n
	}
}
