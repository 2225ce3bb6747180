package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"

	"golang.org/x/image/tiff/lzw"
)

// Neither x/image/tiff nor hhrutter/tiff reads TIFFs of 2 or 4 bits a
// sample, which scanners write for grey documents and maps for small
// palettes. lowTIFF reads those itself: one sample a pixel (grey or
// palette), in strips, uncompressed, LZW, Deflate or PackBits, without a
// predictor. Anything else stays refused as unsupported.

// lowTIFF is what lowTIFF reads of a TIFF's first IFD.
type lowTIFF struct {
	order         binary.ByteOrder
	w, h, bits    int
	compression   int
	photometric   int
	rowsPerStrip  int
	offsets, lens []uint32
	colormap      []uint16
}

// errNotLowTIFF means a TIFF that lowTIFF does not read.
var errNotLowTIFF = errors.New("not a 2- or 4-bit TIFF in strips")

// readLowTIFF reads the first IFD of the TIFF in r (size bytes), through
// ReadAt: nothing is copied but the tags' values.
func readLowTIFF(r io.ReaderAt, size int64) (*lowTIFF, error) {
	head := make([]byte, 8)
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, err
	}
	t := (&lowTIFF{compression: 1}).withDefaults()
	switch string(head[:2]) {
	case "II":
		t.order = binary.LittleEndian
	case "MM":
		t.order = binary.BigEndian
	default:
		return nil, errNotLowTIFF
	}
	ifd := int64(t.order.Uint32(head[4:]))
	nb := make([]byte, 2)
	if _, err := r.ReadAt(nb, ifd); err != nil {
		return nil, err
	}
	n := int(t.order.Uint16(nb))
	if n > 4096 || ifd+2+12*int64(n) > size {
		return nil, errors.New("an IFD past the end")
	}
	entries := make([]byte, 12*n)
	if _, err := r.ReadAt(entries, ifd+2); err != nil {
		return nil, err
	}
	samples, predictor, tiled := 1, 1, false
	for i := range n {
		e := entries[12*i:]
		tag, typ, count := t.order.Uint16(e), t.order.Uint16(e[2:]), int64(t.order.Uint32(e[4:]))
		vals, err := t.values(r, size, e[8:12], typ, count)
		if err != nil {
			return nil, fmt.Errorf("tag %d: %w", tag, err)
		}
		first := 0
		if len(vals) > 0 {
			first = int(vals[0])
		}
		switch tag {
		case 256:
			t.w = first
		case 257:
			t.h = first
		case 258:
			t.bits = first
		case 259:
			t.compression = first
		case 262:
			t.photometric = first
		case 273:
			t.offsets = vals
		case 277:
			samples = first
		case 278:
			t.rowsPerStrip = first
		case 279:
			t.lens = vals
		case 317:
			predictor = first
		case 320:
			t.colormap = make([]uint16, len(vals))
			for i, v := range vals {
				t.colormap[i] = uint16(v)
			}
		case 322, 323, 324, 325:
			tiled = true
		}
	}
	switch {
	case t.bits != 2 && t.bits != 4, samples != 1, predictor != 1, tiled:
		return nil, errNotLowTIFF
	case t.photometric > 1 && !(t.photometric == 3 && len(t.colormap) == 3<<t.bits):
		return nil, errNotLowTIFF
	case t.w <= 0 || t.h <= 0 || t.w > 1<<20 || t.h > 1<<20:
		return nil, fmt.Errorf("a size of %d×%d", t.w, t.h)
	case len(t.offsets) == 0 || len(t.offsets) != len(t.lens):
		return nil, errors.New("strip offsets and byte counts disagree")
	}
	switch t.compression {
	case 1, 5, 8, 32946, 32773:
	default:
		return nil, errNotLowTIFF
	}
	if t.rowsPerStrip <= 0 || t.rowsPerStrip > t.h {
		t.rowsPerStrip = t.h
	}
	if want := (t.h + t.rowsPerStrip - 1) / t.rowsPerStrip; len(t.offsets) != want {
		return nil, fmt.Errorf("%d strips where %d are needed", len(t.offsets), want)
	}
	return t, nil
}

// withDefaults is t as TIFF's defaults leave it before the tags.
func (t *lowTIFF) withDefaults() *lowTIFF { t.rowsPerStrip = 1 << 31; return t }

// values reads a SHORT or LONG tag's values, in the entry (4 bytes) or at
// the offset it holds; other types read as none.
func (t *lowTIFF) values(r io.ReaderAt, size int64, field []byte, typ uint16, count int64) ([]uint32, error) {
	width := map[uint16]int64{3: 2, 4: 4}[typ]
	if width == 0 {
		return nil, nil
	}
	if count > 1<<20 {
		return nil, fmt.Errorf("%d values", count)
	}
	raw := field
	if width*count > 4 {
		off := int64(t.order.Uint32(field))
		if off+width*count > size {
			return nil, errors.New("values past the end")
		}
		raw = make([]byte, width*count)
		if _, err := r.ReadAt(raw, off); err != nil {
			return nil, err
		}
	}
	out := make([]uint32, count)
	for i := range out {
		if width == 2 {
			out[i] = uint32(t.order.Uint16(raw[2*i:]))
		} else {
			out[i] = t.order.Uint32(raw[4*i:])
		}
	}
	return out, nil
}

// config is the image.Config of what decode returns.
func (t *lowTIFF) config() image.Config {
	return image.Config{ColorModel: t.model(), Width: t.w, Height: t.h}
}

func (t *lowTIFF) model() color.Model {
	if t.photometric != 3 {
		return color.GrayModel
	}
	pal := make(color.Palette, 1<<t.bits)
	n := 1 << t.bits
	for i := range pal {
		pal[i] = color.RGBA64{t.colormap[i], t.colormap[n+i], t.colormap[2*n+i], 0xffff}
	}
	return pal
}

// decode reads every strip, one at a time, and unpacks its rows into an
// 8-bit grey or paletted image.
func (t *lowTIFF) decode(r io.ReaderAt, size int64) (image.Image, error) {
	rect := image.Rect(0, 0, t.w, t.h)
	var pix []byte
	var stride int
	var out image.Image
	if pal, ok := t.model().(color.Palette); ok {
		m := image.NewPaletted(rect, pal)
		pix, stride, out = m.Pix, m.Stride, m
	} else {
		m := image.NewGray(rect)
		pix, stride, out = m.Pix, m.Stride, m
	}
	rowBytes := (t.w*t.bits + 7) / 8
	perByte, mask := 8/t.bits, byte(1<<t.bits-1)
	scale := byte(255 / int(mask))
	for s, off := range t.offsets {
		y0 := s * t.rowsPerStrip
		rows := min(t.rowsPerStrip, t.h-y0)
		n := int64(t.lens[s])
		if int64(off)+n > size {
			return nil, io.ErrUnexpectedEOF
		}
		raw := make([]byte, n)
		if _, err := r.ReadAt(raw, int64(off)); err != nil {
			return nil, err
		}
		strip, err := t.inflate(raw, rows*rowBytes)
		if err != nil {
			return nil, err
		}
		if len(strip) < rows*rowBytes {
			return nil, io.ErrUnexpectedEOF
		}
		for y := range rows {
			src := strip[y*rowBytes:]
			dst := pix[(y0+y)*stride:]
			for x := range t.w {
				shift := uint(8 - t.bits*(x%perByte+1))
				v := src[x/perByte] >> shift & mask
				switch t.photometric {
				case 0: // WhiteIsZero
					v = (mask - v) * scale
				case 1:
					v *= scale
				}
				dst[x] = v
			}
		}
	}
	return out, nil
}

// inflate decompresses a strip to at most want bytes.
func (t *lowTIFF) inflate(raw []byte, want int) ([]byte, error) {
	var rd io.Reader
	switch t.compression {
	case 1:
		return raw, nil
	case 5:
		rd = lzw.NewReader(bytes.NewReader(raw), lzw.MSB, 8)
	case 8, 32946:
		z, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		rd = z
	case 32773:
		return unpackBits(raw, want)
	}
	out := make([]byte, want)
	n, err := io.ReadFull(rd, out)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return out[:n], nil
}

// unpackBits decodes PackBits (TIFF 6.0, section 9) to at most want bytes.
func unpackBits(b []byte, want int) ([]byte, error) {
	out := make([]byte, 0, want)
	for len(b) > 0 && len(out) < want {
		n := int(int8(b[0]))
		b = b[1:]
		switch {
		case n >= 0:
			if n+1 > len(b) {
				return nil, io.ErrUnexpectedEOF
			}
			out = append(out, b[:min(n+1, want-len(out))]...)
			b = b[n+1:]
		case n != -128:
			if len(b) == 0 {
				return nil, io.ErrUnexpectedEOF
			}
			for range min(1-n, want-len(out)) {
				out = append(out, b[0])
			}
			b = b[1:]
		}
	}
	return out, nil
}
