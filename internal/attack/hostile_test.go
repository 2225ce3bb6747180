//go:build attack

package attack

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"strconv"
	"testing"
)

// The hostile files, made here rather than committed.

// vectorBody is POST /vector_image's body of n values.
func vectorBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"values":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(i%1000)/7+1000, 'f', 13, 64))
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// tallPNG is a w×h PNG of a few kilobytes: one grey gradient row repeated.
func tallPNG(t *testing.T, w, h int) []byte {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Pix[y*w+x] = uint8(x * 255 / w)
		}
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// scanBomb is a JPEG whose one scan is repeated n times.
func scanBomb(t *testing.T, n int) []byte {
	var buf bytes.Buffer
	m := image.NewGray(image.Rect(0, 0, 16, 16))
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	sos := bytes.Index(data, []byte{0xFF, 0xDA})
	out := append([]byte(nil), data[:sos]...)
	for range n {
		out = append(out, data[sos:len(data)-2]...)
	}
	return append(out, 0xFF, 0xD9)
}

func segment(marker byte, payload []byte) []byte {
	out := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(out[2:], uint16(len(payload)+2))
	return append(out, payload...)
}

// cmykBomb is a progressive CMYK JPEG header of w×h: a few hundred bytes
// whose decoding would hold 4 planes and 4 coefficient planes.
func cmykBomb(w, h int) []byte {
	out := []byte{0xFF, 0xD8}
	out = append(out, segment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00"))...) // APP14: no transform
	dqt := append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)
	out = append(out, segment(0xDB, dqt)...)
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 4}
	for c := range 4 {
		sof = append(sof, byte(c+1), 0x11, 0)
	}
	out = append(out, segment(0xC2, sof)...)
	dht := append([]byte{0x00, 1}, make([]byte, 15)...)
	dht = append(dht, 0)
	out = append(out, segment(0xC4, dht)...)
	sos := []byte{4}
	for c := range 4 {
		sos = append(sos, byte(c+1), 0)
	}
	sos = append(sos, 0, 0, 0)
	out = append(out, segment(0xDA, sos)...)
	out = append(out, bytes.Repeat([]byte{0}, 300)...)
	return append(out, 0xFF, 0xD9)
}

func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// floods are images whose headers claim far more pixels than their bytes,
// one in every format pngd reads.
func floods() map[string][]byte {
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 100_000), 100_000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	pngFlood := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	pngFlood = append(pngFlood, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	pngFlood = append(pngFlood, pngChunk("IEND", nil)...)

	gifFlood := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00")
	gifFlood = append(gifFlood, 0x2C, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 2, 2, 0x4C, 0x01, 0, 0x3B)

	bmp := make([]byte, 54)
	copy(bmp, "BM")
	binary.LittleEndian.PutUint32(bmp[2:], 54)
	binary.LittleEndian.PutUint32(bmp[10:], 54)
	binary.LittleEndian.PutUint32(bmp[14:], 40)
	binary.LittleEndian.PutUint32(bmp[18:], 100_000)
	binary.LittleEndian.PutUint32(bmp[22:], 100_000)
	binary.LittleEndian.PutUint16(bmp[26:], 1)
	binary.LittleEndian.PutUint16(bmp[28:], 24)

	// TIFF: one IFD, 100000×100000, 8-bit grey, one strip.
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	entries := [][3]uint32{{256, 4, 100_000}, {257, 4, 100_000}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1}, {273, 4, 8}, {277, 3, 1}, {278, 4, 100_000}, {279, 4, 1}}
	tiff = binary.LittleEndian.AppendUint16(tiff, uint16(len(entries)))
	for _, e := range entries {
		tiff = binary.LittleEndian.AppendUint16(tiff, uint16(e[0]))
		tiff = binary.LittleEndian.AppendUint16(tiff, uint16(e[1]))
		tiff = binary.LittleEndian.AppendUint32(tiff, 1)
		tiff = binary.LittleEndian.AppendUint32(tiff, e[2])
	}
	tiff = binary.LittleEndian.AppendUint32(tiff, 0)

	// WebP VP8X: a 16384×16384 canvas.
	vp8x := []byte{0, 0, 0, 0}
	vp8x = append(vp8x, 0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00)
	webp := append([]byte("VP8X"), binary.LittleEndian.AppendUint32(nil, uint32(len(vp8x)))...)
	webp = append(webp, vp8x...)
	riff := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(webp)))...)
	riff = append(riff, "WEBP"...)
	riff = append(riff, webp...)

	jpg := []byte{0xFF, 0xD8}
	jpg = append(jpg, segment(0xC0, []byte{8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0})...)
	jpg = append(jpg, 0xFF, 0xD9)

	return map[string][]byte{"png": pngFlood, "gif": gifFlood, "bmp": bmp, "tiff": tiff, "webp": riff, "jpeg": jpg}
}

// zlibBomb is a valid 7000×7000 grey PNG of zeros: 49 MP within the pixel
// limit, a few tens of kilobytes that inflate to 49 MB.
func zlibBomb(t *testing.T) []byte {
	m := image.NewGray(image.Rect(0, 0, 7000, 7000))
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// manyFrames is a GIF of n 1×1 frames after a 16×16 first one.
func manyFrames(n int) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a\x10\x00\x10\x00\x80\x00\x00")
	b.Write([]byte{0, 0, 0, 255, 255, 255})
	b.Write([]byte{0x2C, 0, 0, 0, 0, 16, 0, 16, 0, 0, 2, 2, 0x84, 0x01, 0})
	for range n {
		b.Write([]byte{0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0})
	}
	b.WriteByte(0x3B)
	return b.Bytes()
}

// loopingTIFF is a small valid TIFF whose IFD chain points back at itself.
func loopingTIFF() []byte {
	tiff := []byte("II*\x00\x08\x00\x00\x00")
	entries := [][3]uint32{{256, 3, 4}, {257, 3, 4}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1}, {273, 4, 0}, {277, 3, 1}, {278, 3, 4}, {279, 4, 16}}
	tiff = binary.LittleEndian.AppendUint16(tiff, uint16(len(entries)))
	stripAt := uint32(8 + 2 + 12*len(entries) + 4)
	for _, e := range entries {
		v := e[2]
		if e[0] == 273 {
			v = stripAt
		}
		tiff = binary.LittleEndian.AppendUint16(tiff, uint16(e[0]))
		tiff = binary.LittleEndian.AppendUint16(tiff, uint16(e[1]))
		tiff = binary.LittleEndian.AppendUint32(tiff, 1)
		tiff = binary.LittleEndian.AppendUint32(tiff, v)
	}
	tiff = binary.LittleEndian.AppendUint32(tiff, 8) // next IFD: this one
	return append(tiff, bytes.Repeat([]byte{0x80}, 16)...)
}

// noise is an n-byte body that starts like a PNG and is noise after.
func noise(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	x := uint32(2463534242)
	for i := 8; i < n; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// noisePNG is a w×h PNG of noise, slow to encode and large.
func noisePNG(t *testing.T, w, h int) []byte {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(w*7919 + h)
	for i := range m.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		m.Pix[i] = byte(x)
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
