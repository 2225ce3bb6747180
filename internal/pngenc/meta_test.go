package pngenc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/draw"
	"image/png"
	"io"
	"slices"
	"testing"
)

type chunk struct {
	typ  string
	data []byte
}

// chunks splits a PNG into its chunks, checking each CRC.
func chunks(t *testing.T, p []byte) []chunk {
	t.Helper()
	if !bytes.HasPrefix(p, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("no PNG signature")
	}
	p = p[8:]
	var out []chunk
	for len(p) > 0 {
		if len(p) < 12 {
			t.Fatalf("truncated chunk: %d bytes", len(p))
		}
		n := binary.BigEndian.Uint32(p)
		c := chunk{string(p[4:8]), p[8 : 8+n]}
		if crc32.ChecksumIEEE(p[4:8+n]) != binary.BigEndian.Uint32(p[8+n:]) {
			t.Fatalf("%s: bad CRC", c.typ)
		}
		out = append(out, c)
		p = p[12+n:]
	}
	return out
}

func types(cs []chunk) []string {
	var ts []string
	for _, c := range cs {
		ts = append(ts, c.typ)
	}
	return slices.Compact(ts)
}

// TestMeta: each chunk Meta asks for is written, in PNG's order, with the
// values given; the ICC profile decompresses to the same bytes; image/png
// still decodes the pixels.
func TestMeta(t *testing.T) {
	// Only the colour space field (bytes 16–20) of a profile matters to
	// the encoder.
	profile := append([]byte("0123456789abcdefRGB "), bytes.Repeat([]byte("not really an ICC profile "), 40)...)
	m := images(20, 10, 5)["few colours"]
	cases := []struct {
		meta Meta
		want []string
	}{
		{Meta{}, []string{"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}},
		{Meta{ICC: profile, ICCName: "Display P3", Phys: &Phys{X: 2835, Y: 2835, Metre: true}}, []string{"IHDR", "iCCP", "pHYs", "PLTE", "tRNS", "IDAT", "IEND"}},
		{Meta{SRGB: true, Intent: 1, Gamma: 45455, Chroma: &[8]uint32{31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000}}, []string{"IHDR", "sRGB", "gAMA", "cHRM", "PLTE", "tRNS", "IDAT", "IEND"}},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := (&Encoder{}).EncodeMeta(&buf, m, c.meta); err != nil {
			t.Fatal(err)
		}
		cs := chunks(t, buf.Bytes())
		if got := types(cs); !slices.Equal(got, c.want) {
			t.Errorf("chunks %v, want %v", got, c.want)
		}
		for _, ch := range cs {
			switch ch.typ {
			case "iCCP":
				name, rest, _ := bytes.Cut(ch.data, []byte{0})
				if string(name) != "Display P3" || rest[0] != 0 {
					t.Errorf("iCCP name %q method %d", name, rest[0])
				}
				zr, err := zlib.NewReader(bytes.NewReader(rest[1:]))
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(zr)
				if !bytes.Equal(got, profile) {
					t.Error("iCCP does not hold the profile byte for byte")
				}
			case "pHYs":
				if !bytes.Equal(ch.data, []byte{0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1}) {
					t.Errorf("pHYs % x", ch.data)
				}
			case "sRGB":
				if !bytes.Equal(ch.data, []byte{1}) {
					t.Errorf("sRGB % x", ch.data)
				}
			case "gAMA":
				if binary.BigEndian.Uint32(ch.data) != 45455 {
					t.Errorf("gAMA % x", ch.data)
				}
			case "cHRM":
				if len(ch.data) != 32 || binary.BigEndian.Uint32(ch.data[28:]) != 6000 {
					t.Errorf("cHRM % x", ch.data)
				}
			}
		}
		got, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameImage(m, got); err != nil {
			t.Error(err)
		}
	}
	cmyk := append([]byte("0123456789abcdefCMYK"), profile[20:]...)
	grey := append([]byte("0123456789abcdefGRAY"), profile[20:]...)
	for _, bad := range []Meta{{ICC: profile, SRGB: true}, {ICC: profile, ICCName: string(make([]byte, 80))}, {SRGB: true, Intent: 4}, {ICC: profile, ICCName: "tab\there"}, {ICC: cmyk}, {ICC: grey}} {
		if err := (&Encoder{}).EncodeMeta(io.Discard, m, bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// frameImages decodes each frame of an APNG on its own: a frame's fdAT
// data (or the IDAT for the first) under an IHDR of the frame's size and
// the file's PLTE and tRNS is a PNG image/png reads. It checks the
// sequence numbers and acTL's frame count, and returns the fcTLs too.
func frameImages(t *testing.T, p []byte) (frames []image.Image, fctls [][]byte, plays uint32) {
	t.Helper()
	cs := chunks(t, p)
	var ihdr, shared []byte
	var data []byte
	var fctl []byte
	seq := uint32(0)
	var nFrames uint32
	flush := func() {
		if fctl == nil {
			return
		}
		var b bytes.Buffer
		b.WriteString("\x89PNG\r\n\x1a\n")
		h := bytes.Clone(ihdr)
		copy(h[0:8], fctl[4:12])
		writeChunk(&b, "IHDR", h)
		b.Write(shared)
		writeChunk(&b, "IDAT", data)
		writeChunk(&b, "IEND", nil)
		m, err := png.Decode(&b)
		if err != nil {
			t.Fatalf("frame %d: %v", len(frames), err)
		}
		frames = append(frames, m)
		fctls = append(fctls, fctl)
		data, fctl = nil, nil
	}
	for _, c := range cs {
		switch c.typ {
		case "IHDR":
			ihdr = c.data
		case "PLTE", "tRNS":
			var b bytes.Buffer
			writeChunk(&b, c.typ, c.data)
			shared = append(shared, b.Bytes()...)
		case "acTL":
			nFrames, plays = binary.BigEndian.Uint32(c.data), binary.BigEndian.Uint32(c.data[4:])
		case "fcTL", "fdAT":
			if got := binary.BigEndian.Uint32(c.data); got != seq {
				t.Fatalf("%s sequence number %d, want %d", c.typ, got, seq)
			}
			seq++
			if c.typ == "fcTL" {
				flush()
				fctl = c.data
			} else {
				data = append(data, c.data[4:]...)
			}
		case "IDAT":
			data = append(data, c.data...)
		}
	}
	flush()
	if uint32(len(frames)) != nFrames {
		t.Fatalf("%d frames, acTL says %d", len(frames), nFrames)
	}
	return frames, fctls, plays
}

// TestAnimation: an APNG of frames of different sizes and offsets, one
// colour type for all, the timing and operations as given; every frame
// decodes to its pixels; image/png reads the first frame as the still.
func TestAnimation(t *testing.T) {
	for _, mode := range []Mode{Fast, Stored} {
		for _, kind := range []string{"few colours", "NRGBA", "Gray16", "Paletted"} {
			first := images(64, 48, 1)[kind]
			canvas := image.Rect(0, 0, 64, 48)
			full := image.NewNRGBA64(canvas)
			for y := range 48 {
				for x := range 64 {
					full.Set(x, y, first.At(first.Bounds().Min.X+x, first.Bounds().Min.Y+y))
				}
			}
			var f0 image.Image = full
			if kind == "Paletted" {
				p := first.(*image.Paletted)
				f0 = &image.Paletted{Pix: p.Pix, Stride: p.Stride, Rect: canvas, Palette: p.Palette}
			}
			small := images(20, 11, 2)[kind] // at (3,2)
			moved := images(30, 5, 3)["Gray"]
			frames := []Frame{
				{Image: f0, DelayNum: 1, DelayDen: 10},
				{Image: small, DelayNum: 7, Dispose: DisposeBackground, Blend: BlendOver},
				{Image: moved, DelayNum: 100, DelayDen: 1000, Dispose: DisposePrevious},
			}
			if kind == "Paletted" {
				frames = frames[:2] // the same palette in every frame: no regrouping
			}
			var buf bytes.Buffer
			err := (&Encoder{Mode: mode}).EncodeAnimation(&buf, Animation{Width: 64, Height: 48, Frames: frames, Loops: 3}, Meta{SRGB: true})
			if err != nil {
				t.Fatal(err)
			}
			got, fctls, plays := frameImages(t, buf.Bytes())
			if plays != 3 {
				t.Errorf("%s: plays %d", kind, plays)
			}
			for i, fr := range frames {
				if err := sameImage(fr.Image, got[i]); err != nil {
					t.Fatalf("%s mode %d frame %d: %v", kind, mode, i, err)
				}
				b := fr.Image.Bounds()
				c := fctls[i] // seq, width, height, x, y, delay num, den, dispose, blend
				if int(binary.BigEndian.Uint32(c[12:])) != b.Min.X || int(binary.BigEndian.Uint32(c[16:])) != b.Min.Y ||
					binary.BigEndian.Uint16(c[20:]) != fr.DelayNum || binary.BigEndian.Uint16(c[22:]) != fr.DelayDen ||
					Dispose(c[24]) != fr.Dispose || Blend(c[25]) != fr.Blend {
					t.Errorf("%s frame %d: fcTL % x", kind, i, c)
				}
			}
			still, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sameImage(frames[0].Image, still); err != nil {
				t.Errorf("%s: the still image: %v", kind, err)
			}
		}
	}
	bad := []Animation{
		{Width: 10, Height: 10},
		{Width: 10, Height: 10, Frames: []Frame{{Image: image.NewGray(image.Rect(0, 0, 5, 10))}}},
		{Width: 10, Height: 10, Frames: []Frame{{Image: image.NewGray(image.Rect(0, 0, 10, 10))}, {Image: image.NewGray(image.Rect(5, 5, 11, 6))}}},
		{Width: 10, Height: 10, Frames: []Frame{{Image: image.NewGray(image.Rect(0, 0, 10, 10)), Dispose: 3}}},
	}
	for _, a := range bad {
		if err := (&Encoder{}).EncodeAnimation(io.Discard, a, Meta{}); err == nil {
			t.Errorf("%d frames: no error", len(a.Frames))
		}
	}
}

// TestProfileKeepsColourType: grey pixels under an RGB profile are written
// as colour (PNG allows an RGB profile only there), under a grey profile
// as grey, in stills and animations.
func TestProfileKeepsColourType(t *testing.T) {
	rgb := append([]byte("0123456789abcdefRGB "), make([]byte, 100)...)
	grey := append([]byte("0123456789abcdefGRAY"), make([]byte, 100)...)
	m := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	var n image.Image = m
	nrgba := image.NewNRGBA(m.Rect)
	draw.Draw(nrgba, m.Rect, m, image.Point{}, draw.Src)
	g16 := image.NewGray16(m.Rect)
	draw.Draw(g16, m.Rect, m, image.Point{}, draw.Src)
	for _, c := range []struct {
		name   string
		img    image.Image
		icc    []byte
		colour bool
	}{
		{"gray, RGB profile", n, rgb, true},
		{"grey NRGBA, RGB profile", nrgba, rgb, true},
		{"gray16, RGB profile", g16, rgb, true},
		{"grey NRGBA, grey profile", nrgba, grey, false},
		{"grey NRGBA, no profile", nrgba, nil, false},
	} {
		var buf bytes.Buffer
		if err := (&Encoder{}).EncodeMeta(&buf, c.img, Meta{ICC: c.icc}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if ct := buf.Bytes()[25]; (ct&2 != 0) != c.colour { // PNG's colour bit: RGB or palette
			t.Errorf("%s: colour type %d", c.name, ct)
		}
		buf.Reset()
		a := Animation{Width: 300, Height: 200, Frames: []Frame{{Image: c.img}, {Image: c.img}}}
		if err := (&Encoder{}).EncodeAnimation(&buf, a, Meta{ICC: c.icc}); err != nil {
			t.Fatalf("%s, animated: %v", c.name, err)
		}
		if ct := buf.Bytes()[25]; (ct&2 != 0) != c.colour {
			t.Errorf("%s, animated: colour type %d", c.name, ct)
		}
	}
}

// TestPrivateChunks: private ancillary chunks are written right after the
// header, and a type that is not private and ancillary is refused.
func TestPrivateChunks(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 2, 2))
	var buf bytes.Buffer
	if err := (&Encoder{}).EncodeMeta(&buf, m, Meta{SRGB: true, Private: []Chunk{{Type: "plAY", Data: []byte{0, 0, 1, 0}}}}); err != nil {
		t.Fatal(err)
	}
	if got := string(buf.Bytes()[33+4 : 33+8]); got != "plAY" {
		t.Errorf("the chunk after IHDR is %q, want plAY", got)
	}
	if _, err := png.Decode(bytes.NewReader(buf.Bytes())); err != nil {
		t.Errorf("image/png: %v", err)
	}
	for _, typ := range []string{"PLAY", "pLAY", "plaY", "pla", "pl1Y"} {
		if err := (&Encoder{}).EncodeMeta(io.Discard, m, Meta{Private: []Chunk{{Type: typ}}}); err == nil {
			t.Errorf("type %q accepted", typ)
		}
	}
}

// TestHDRChunks: cICP, mDCV and cLLI (PNG third edition) are written
// before the image data with the bytes the specification lays out, and a
// cICP of a matrix other than RGB is refused.
func TestHDRChunks(t *testing.T) {
	m := image.NewNRGBA64(image.Rect(0, 0, 3, 2))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 37)
	}
	meta := Meta{
		CICP: &[4]uint8{9, 16, 0, 1},
		Mastering: &Mastering{
			Primaries:    [3][2]uint16{{35400, 14600}, {8500, 39850}, {6550, 2300}},
			White:        [2]uint16{15635, 16450},
			MaxLuminance: 10000000, MinLuminance: 1,
		},
		ContentLight: &[2]uint32{10000000, 4000000},
	}
	var buf bytes.Buffer
	if err := (&Encoder{}).EncodeMeta(&buf, m, meta); err != nil {
		t.Fatal(err)
	}
	chunks := map[string][]byte{}
	var order []string
	b := buf.Bytes()
	for i := 8; i+12 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		chunks[typ], order = b[i+8:i+8+n], append(order, typ)
		i += 12 + n
	}
	for _, c := range []struct {
		typ  string
		want []byte
	}{
		{"cICP", []byte{9, 16, 0, 1}},
		{"mDCV", []byte{0x8a, 0x48, 0x39, 0x08, 0x21, 0x34, 0x9b, 0xaa, 0x19, 0x96, 0x08, 0xfc, 0x3d, 0x13, 0x40, 0x42, 0x00, 0x98, 0x96, 0x80, 0, 0, 0, 1}},
		{"cLLI", []byte{0x00, 0x98, 0x96, 0x80, 0x00, 0x3d, 0x09, 0x00}},
	} {
		if got := chunks[c.typ]; !bytes.Equal(got, c.want) {
			t.Errorf("%s = % x, want % x", c.typ, got, c.want)
		}
		if slices.Index(order, c.typ) > slices.Index(order, "IDAT") {
			t.Errorf("%s after IDAT: %v", c.typ, order)
		}
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("image/png: %v", err)
	}
	if err := (&Encoder{}).EncodeMeta(io.Discard, m, Meta{CICP: &[4]uint8{9, 16, 9, 1}}); err == nil {
		t.Error("a cICP with a YCbCr matrix was written")
	}
}
