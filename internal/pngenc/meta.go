package pngenc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
)

// Meta is what a PNG says about its pixels besides the pixels: the colour
// space and the physical pixel size. Its zero value writes none of it.
// Encode writes nothing else: no text and no time chunks.
type Meta struct {
	// ICC is an ICC profile, written compressed in iCCP; ICCName names it
	// (1 to 79 Latin-1 characters; "ICC profile" when empty). PNG allows
	// no sRGB chunk beside it.
	ICC     []byte
	ICCName string
	// SRGB writes an sRGB chunk with Intent as its rendering intent
	// (0 perceptual, 1 relative colorimetric, 2 saturation, 3 absolute).
	SRGB   bool
	Intent uint8
	// Gamma is gAMA's value, the gamma times 100000; zero writes none.
	Gamma uint32
	// Chroma is cHRM's white point and primaries, each times 100000:
	// white x, y, red x, y, green x, y, blue x, y. Nil writes none.
	Chroma *[8]uint32
	// Phys is pHYs; nil writes none.
	Phys *Phys
	// CICP is cICP (PNG third edition, 11.3.2.6): the colour primaries,
	// transfer function, matrix coefficients and full-range flag of
	// ITU-T H.273, e.g. {9, 16, 0, 1} for BT.2100 PQ. It takes precedence
	// over iCCP, sRGB, gAMA and cHRM in decoders that read it; the
	// matrix must be 0 (PNG holds RGB). Nil writes none.
	CICP *[4]uint8
	// Mastering is mDCV: the mastering display's colour volume. Nil
	// writes none.
	Mastering *Mastering
	// ContentLight is cLLI: the content's maximum light level and maximum
	// frame-average light level, in 0.0001 cd/m². Nil writes none.
	ContentLight *[2]uint32
	// Private are private ancillary chunks, written first after the
	// header (IHDR, and an APNG's acTL), so that a reader of a file's
	// first bytes finds them.
	Private []Chunk
}

// Chunk is a private ancillary chunk: its type's first letter is lower
// case (ancillary: decoders that do not know it skip it), its second
// lower case (private) and its third upper case (PNG §5.4).
type Chunk struct {
	Type string
	Data []byte
}

func (c Chunk) check() error {
	t := c.Type
	if len(t) != 4 || !lower(t[0]) || !lower(t[1]) || !upper(t[2]) || !(lower(t[3]) || upper(t[3])) {
		return FormatError("a private chunk's type must be ancillary, private and reserved-bit clear (PNG §5.4): " + t)
	}
	return nil
}

func lower(c byte) bool { return c >= 'a' && c <= 'z' }
func upper(c byte) bool { return c >= 'A' && c <= 'Z' }

// Mastering is a mastering display's colour volume (mDCV, as SMPTE ST
// 2086 states it): the red, green and blue primaries and the white point
// as x, y chromaticities in 0.00002 units, and the largest and smallest
// luminance in 0.0001 cd/m².
type Mastering struct {
	Primaries    [3][2]uint16
	White        [2]uint16
	MaxLuminance uint32
	MinLuminance uint32
}

// Phys is pixels per unit along x and y; the unit is the metre when
// Metre is set, else unknown (only the aspect ratio is meant).
type Phys struct {
	X, Y  uint32
	Metre bool
}

// colourProfile reports whether m.ICC is an ICC profile of an RGB
// colour space, which PNG allows only on a colour image.
func (m Meta) colourProfile() bool {
	return len(m.ICC) >= 20 && string(m.ICC[16:20]) == "RGB "
}

// grayProfile reports whether m.ICC is an ICC profile of a grey colour
// space, which PNG allows only on a grey image.
func (m Meta) grayProfile() bool {
	return len(m.ICC) >= 20 && string(m.ICC[16:20]) == "GRAY"
}

func (m Meta) check() error {
	switch {
	case m.ICC != nil && !m.colourProfile() && !m.grayProfile():
		return FormatError("an ICC profile of neither RGB nor grey colour space (PNG §11.3.3.3)")
	case m.ICC != nil && m.SRGB:
		return FormatError("an ICC profile and sRGB together (PNG §11.3.3.5)")
	case len(m.ICCName) > 79:
		return FormatError("ICC profile name longer than 79 bytes")
	case m.SRGB && m.Intent > 3:
		return FormatError("sRGB rendering intent out of range")
	}
	for _, c := range m.Private {
		if err := c.check(); err != nil {
			return err
		}
	}
	if c := m.CICP; c != nil && (c[2] != 0 || c[3] > 1) {
		return FormatError("cICP's matrix coefficients must be 0 (RGB) and its full-range flag 0 or 1")
	}
	for i := range len(m.ICCName) {
		if c := m.ICCName[i]; c < 32 || c > 126 {
			return FormatError("ICC profile name is not printable Latin-1")
		}
	}
	return nil
}

// write appends the chunks m asks for, in the order PNG wants them before
// PLTE.
func (m Meta) write(w *bytes.Buffer) {
	for _, c := range m.Private {
		writeChunk(w, c.Type, c.Data)
	}
	if m.ICC != nil {
		name := m.ICCName
		if name == "" {
			name = "ICC profile"
		}
		var z bytes.Buffer
		z.WriteString(name)
		z.Write([]byte{0, 0}) // name terminator, compression method 0 (zlib)
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
		zw.Write(m.ICC)
		zw.Close()
		writeChunk(w, "iCCP", z.Bytes())
	}
	if m.SRGB {
		writeChunk(w, "sRGB", []byte{m.Intent})
	}
	if m.Gamma != 0 {
		writeChunk(w, "gAMA", binary.BigEndian.AppendUint32(nil, m.Gamma))
	}
	if m.Chroma != nil {
		var b []byte
		for _, v := range m.Chroma {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		writeChunk(w, "cHRM", b)
	}
	if m.CICP != nil {
		writeChunk(w, "cICP", m.CICP[:])
	}
	if md := m.Mastering; md != nil {
		var b []byte
		for _, p := range md.Primaries {
			b = binary.BigEndian.AppendUint16(b, p[0])
			b = binary.BigEndian.AppendUint16(b, p[1])
		}
		b = binary.BigEndian.AppendUint16(b, md.White[0])
		b = binary.BigEndian.AppendUint16(b, md.White[1])
		b = binary.BigEndian.AppendUint32(b, md.MaxLuminance)
		b = binary.BigEndian.AppendUint32(b, md.MinLuminance)
		writeChunk(w, "mDCV", b)
	}
	if cl := m.ContentLight; cl != nil {
		writeChunk(w, "cLLI", binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, cl[0]), cl[1]))
	}
	if m.Phys != nil {
		b := binary.BigEndian.AppendUint32(nil, m.Phys.X)
		b = binary.BigEndian.AppendUint32(b, m.Phys.Y)
		unit := byte(0)
		if m.Phys.Metre {
			unit = 1
		}
		writeChunk(w, "pHYs", append(b, unit))
	}
}
