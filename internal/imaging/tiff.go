package imaging

import (
	"bytes"
	"errors"
	"image"
	"io"

	jtiff "github.com/hhrutter/tiff"
	"golang.org/x/image/tiff"
)

// TIFFs are read by golang.org/x/image/tiff, and those it refuses as
// unsupported (JPEG compression, old-style (6) and new (7), in strips or
// tiles, and YCbCr JPEG, which scanners and GIS tools write) by
// github.com/hhrutter/tiff, pdfcpu's extension of it: BSD-licensed, kept
// up, and bounding its IFD counts, offsets and block sizes as x/image
// does. It keeps x/image's behaviour for everything x/image reads, so
// only the files it used to refuse take the other path.

func init() {
	codecs[TIFF] = codec{tiffConfig, decodeTIFF}
}

// tiffConfig reads a TIFF's header, through the second decoder when the
// first does not support the file.
func tiffConfig(r io.Reader) (image.Config, error) {
	cfg, err := tiff.DecodeConfig(r)
	if unsupportedTIFF(err) && rewind(r) {
		cfg, err = jtiff.DecodeConfig(r)
	}
	if err != nil {
		if t, _, _ := lowFallback(r); t != nil {
			return t.config(), nil
		}
	}
	return cfg, err
}

func decodeTIFF(r io.Reader) (image.Image, error) {
	m, err := tiff.Decode(r)
	if unsupportedTIFF(err) && rewind(r) {
		m, err = jtiff.Decode(r)
	}
	if err != nil {
		if t, ra, size := lowFallback(r); t != nil {
			return t.decode(ra, size)
		}
	}
	return m, err
}

// lowFallback reads the IFD of a TIFF both decoders refused, for one of 2
// or 4 bits a sample (tifflow.go); nil for any other.
func lowFallback(r io.Reader) (*lowTIFF, io.ReaderAt, int64) {
	br, ok := r.(*bytes.Reader)
	if !ok {
		return nil, nil, 0
	}
	t, lerr := readLowTIFF(br, br.Size())
	if lerr != nil {
		return nil, nil, 0
	}
	return t, br, br.Size()
}

// rewind moves r (a bytes.Reader, as Decode gives it) back to its start,
// for the second decoder: no copy of the file is made.
func rewind(r io.Reader) bool {
	s, ok := r.(io.Seeker)
	if !ok {
		return false
	}
	_, err := s.Seek(0, io.SeekStart)
	return err == nil
}

func unsupportedTIFF(err error) bool {
	var u tiff.UnsupportedError
	return errors.As(err, &u)
}

// tiffJPEGScans counts the JPEG scans (SOS markers) in a JPEG-compressed
// TIFF's bytes and the strips or tiles that hold them: each strip is a
// JPEG of its own, and a progressive one of thousands of scans costs as
// much CPU inside a TIFF as alone (Limits.MaxScans). Marker bytes can
// also occur by chance in entropy-coded data; the count is an upper bound.
func tiffJPEGScans(t []byte) (scans, blocks int) {
	order, ifd, ok := tiffIFD(t)
	if !ok {
		return 0, 0
	}
	jpegCoded := false
	count := int(order.Uint16(t[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(t)) && count > 0; e, count = e+12, count-1 {
		switch order.Uint16(t[e:]) {
		case 259: // Compression
			c := order.Uint16(t[e+8:])
			jpegCoded = c == 6 || c == 7
		case 273, 324: // StripOffsets, TileOffsets
			blocks = int(order.Uint32(t[e+4:]))
		}
	}
	if !jpegCoded {
		return 0, 0
	}
	return bytes.Count(t, []byte{0xFF, 0xDA}), max(blocks, 1)
}
