package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"io"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// A pyramid level is pngd's own, never served. Reading one is what a cold
// derive waits for, so the format is the one that gives the pixels back
// fastest at a disk cost near a PNG's (docs/performance.md):
//
//	"pngd-level-2\n", width and height (uint32, big-endian), a flags byte
//	(1: an alpha plane follows the colour), rows per strip (uint32), then
//	per strip its compressed length (uint32), the CRC-32C of its raw
//	bytes (uint32) and an S2 block of them: the strip's RGB, 3 bytes a
//	pixel, then its alpha, a byte a pixel, when the level is not opaque.
//
// An opaque level drops its alpha byte, which is a quarter of the raw
// bytes and, interleaved, what made level-1's zstd slow: it broke the
// colour into short matches, and a 1024×768 level took 6–10 ms to decode;
// its RGB as S2 takes 0.6 ms, and the expansion to RGBA another 0.5.
// Strips keep the scratch small and the decode's memory the picture's.
var levelMagic = []byte("pngd-level-2\n")

// levelMagicV1 is the format before: the RGBA pixels, compressed whole
// with zstd at its fastest. Objects of it are still read.
var levelMagicV1 = []byte("pngd-level-1\n")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maxLevelPixels bounds a level's declared size: the largest level is
// half the largest source pngd accepts, on each side.
const maxLevelPixels = 1 << 30

// levelStripBytes is about the raw RGBA bytes of a strip.
const levelStripBytes = 256 << 10

const levelAlpha = 1 // the flags byte's bit for an alpha plane

// levelStripRows is the rows per strip of a level w pixels wide.
func levelStripRows(w int) int { return max(1, levelStripBytes/(4*w)) }

// levelHeader is the bytes before the first strip.
func levelHeader() int { return len(levelMagic) + 4 + 4 + 1 + 4 }

// EncodeLevel is m's pyramid level object.
func EncodeLevel(m *image.RGBA) []byte {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	alpha := !m.Opaque()
	ch := 3
	if alpha {
		ch = 4
	}
	rows := levelStripRows(w)
	// One allocation of the most the encoding can take: growing it by
	// appending would allocate about twice that in all, more than
	// admission counts (TestPrepareBytesBoundsAllocation).
	size := levelHeader()
	for y := 0; y < h; y += rows {
		size += 8 + s2.MaxEncodedLen(min(rows, h-y)*w*ch)
	}
	out := make([]byte, 0, size)
	out = append(out, levelMagic...)
	out = binary.BigEndian.AppendUint32(out, uint32(w))
	out = binary.BigEndian.AppendUint32(out, uint32(h))
	flags := byte(0)
	if alpha {
		flags |= levelAlpha
	}
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, uint32(rows))
	raw := make([]byte, rows*w*ch+1) // +1: packRGB writes a fourth byte
	for y := 0; y < h; y += rows {
		n := min(rows, h-y)
		r := raw[:n*w*ch]
		for i := range n {
			packRGB(raw[i*3*w:], m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y+i):][:4*w])
		}
		if alpha { // after the colour, whose last pixel writes a byte into it
			for i := range n {
				row := m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y+i):][:4*w]
				a := r[3*w*n+i*w:][:w]
				for x := range a {
					a[x] = row[4*x+3]
				}
			}
		}
		at := len(out)
		out = append(out, 0, 0, 0, 0, 0, 0, 0, 0)
		block := s2.Encode(out[len(out):cap(out)], r)
		binary.BigEndian.PutUint32(out[at:], uint32(len(block)))
		binary.BigEndian.PutUint32(out[at+4:], crc32.Checksum(r, castagnoli))
		out = out[:len(out)+len(block)]
	}
	return out
}

// packRGB writes row's RGBA pixels as RGB into dst, which has a byte
// more than that: each pixel is moved as four bytes, its alpha overwritten
// by the next one's red.
func packRGB(dst, row []byte) {
	for x := 0; x+4 <= len(row); x += 4 {
		binary.LittleEndian.PutUint32(dst[3*x/4:], binary.LittleEndian.Uint32(row[x:]))
	}
}

// IsLevel reports whether data is a level object (EncodeLevel, or the
// format before it), rather than a PNG.
func IsLevel(data []byte) bool {
	if len(data) < len(levelMagic)+8 {
		return false
	}
	m := string(data[:len(levelMagic)])
	return m == string(levelMagic) || m == string(levelMagicV1)
}

// LevelSize is the size a level object declares.
func LevelSize(data []byte) (image.Point, bool) {
	if !IsLevel(data) {
		return image.Point{}, false
	}
	b := data[len(levelMagic):]
	return image.Pt(int(binary.BigEndian.Uint32(b)), int(binary.BigEndian.Uint32(b[4:]))), true
}

// DecodeLevel decodes a level object held whole in memory (ReadLevel).
func DecodeLevel(data []byte) (*image.RGBA, error) {
	return ReadLevel(bytes.NewReader(data), int64(len(data)))
}

// ReadLevel decodes the level object of size bytes that r reads. It reads
// a strip at a time, so that it holds the declared pixels, a strip's raw
// bytes and its block, not the whole object; it fails on a damaged object,
// one whose pixels are not the size it declares, or one longer than its
// strips. Objects of the format before are read whole.
func ReadLevel(r io.Reader, size int64) (*image.RGBA, error) {
	head := make([]byte, levelHeader())
	if _, err := io.ReadFull(r, head[:len(levelMagic)+8]); err != nil || !IsLevel(head) {
		return nil, errors.New("not a pyramid level")
	}
	dim, _ := LevelSize(head)
	w, h := dim.X, dim.Y
	// Each side first: the product of two uint32s can overflow.
	if w <= 0 || h <= 0 || w > maxLevelPixels || h > maxLevelPixels || int64(w)*int64(h) > maxLevelPixels {
		return nil, fmt.Errorf("a pyramid level of %v pixels", dim)
	}
	if string(head[:len(levelMagicV1)]) == string(levelMagicV1) {
		return readLevelV1(r, size-int64(len(levelMagicV1)+8), dim)
	}
	if _, err := io.ReadFull(r, head[len(levelMagic)+8:]); err != nil {
		return nil, errors.New("a truncated pyramid level")
	}
	flags := head[len(levelMagic)+8]
	rows := int(binary.BigEndian.Uint32(head[len(levelMagic)+9:]))
	if flags&^levelAlpha != 0 || rows != levelStripRows(w) {
		return nil, errors.New("a damaged pyramid level: an unknown flag or strip height")
	}
	ch := 3
	if flags&levelAlpha != 0 {
		ch = 4
	}
	m := &image.RGBA{Pix: make([]byte, 4*w*h), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	rawMax := min(rows, h) * w * ch
	sc := getLevelScratch(rawMax+1, 8+s2.MaxEncodedLen(rawMax)) // +1: unpackRGB reads a fourth byte
	defer levelScratch.Put(sc)
	raw := sc.raw[:rawMax+1]
	left := size - int64(levelHeader())
	for y := 0; y < h; y += rows {
		n := min(rows, h-y)
		want := n * w * ch
		in := sc.block[:8]
		if left < 8 {
			return nil, errors.New("a truncated pyramid level")
		}
		if _, err := io.ReadFull(r, in); err != nil {
			return nil, fmt.Errorf("a truncated pyramid level: %w", err)
		}
		l, sum := int64(binary.BigEndian.Uint32(in)), binary.BigEndian.Uint32(in[4:])
		if l > int64(len(sc.block)-8) || l > left-8 {
			return nil, fmt.Errorf("a damaged pyramid level: a strip of rows %d-%d is longer than its bytes could be", y, y+n)
		}
		left -= 8 + l
		block := sc.block[8 : 8+l]
		if _, err := io.ReadFull(r, block); err != nil {
			return nil, fmt.Errorf("a truncated pyramid level: %w", err)
		}
		if dl, err := s2.DecodedLen(block); err != nil || dl != want {
			return nil, fmt.Errorf("a damaged pyramid level: a strip of rows %d-%d is not %d bytes", y, y+n, want)
		}
		got, err := s2.Decode(raw[:want], block)
		if err != nil {
			return nil, fmt.Errorf("a damaged pyramid level: %w", err)
		}
		if crc32.Checksum(got, castagnoli) != sum {
			return nil, fmt.Errorf("a damaged pyramid level: rows %d-%d fail their checksum", y, y+n)
		}
		for i := range n {
			dst := m.Pix[(y+i)*m.Stride:][:4*w]
			if ch == 3 {
				unpackRGB(dst, raw[i*3*w:])
				continue
			}
			unpackRGBA(dst, raw[i*3*w:], got[3*w*n+i*w:][:w])
		}
	}
	if left != 0 {
		return nil, errors.New("a damaged pyramid level: bytes after its last strip")
	}
	return m, nil
}

// levelScratch keeps ReadLevel's strip buffers between reads.
var levelScratch sync.Pool

type levelBuffers struct{ raw, block []byte }

// getLevelScratch is a levelBuffers of at least the given lengths.
func getLevelScratch(raw, block int) *levelBuffers {
	sc, _ := levelScratch.Get().(*levelBuffers)
	if sc == nil {
		sc = &levelBuffers{}
	}
	if len(sc.raw) < raw {
		sc.raw = make([]byte, raw)
	}
	if len(sc.block) < block {
		sc.block = make([]byte, block)
	}
	return sc
}

// unpackRGB writes the RGB pixels at rgb as opaque RGBA into dst (whole
// pixels); rgb has a byte more than it holds, read with the last pixel's
// three.
func unpackRGB(dst, rgb []byte) {
	x := 0
	for ; x+16 <= len(dst); x += 16 { // four pixels from three words
		s, d := rgb[3*x/4:][:12:12], dst[x:][:16:16]
		a, b, c := binary.LittleEndian.Uint32(s), binary.LittleEndian.Uint32(s[4:]), binary.LittleEndian.Uint32(s[8:])
		p0 := a | 0xff000000
		p1 := a>>24 | b<<8 | 0xff000000
		p2 := b>>16 | c<<16 | 0xff000000
		p3 := c>>8 | 0xff000000
		binary.LittleEndian.PutUint64(d, uint64(p0)|uint64(p1)<<32)
		binary.LittleEndian.PutUint64(d[8:], uint64(p2)|uint64(p3)<<32)
	}
	for ; x+4 <= len(dst); x += 4 {
		binary.LittleEndian.PutUint32(dst[x:], binary.LittleEndian.Uint32(rgb[3*x/4:])|0xff000000)
	}
}

// unpackRGBA is unpackRGB with the alpha from a.
func unpackRGBA(dst, rgb, a []byte) {
	for x := 0; x+4 <= len(dst); x += 4 {
		binary.LittleEndian.PutUint32(dst[x:], binary.LittleEndian.Uint32(rgb[3*x/4:])&0xffffff|uint32(a[x/4])<<24)
	}
}

// readLevelV1 decodes a level of the format before (levelMagicV1), whose
// frame r reads, of size bytes. The frame must declare the size the level
// does, and the decoder may hold no more than that: a damaged object
// cannot make it allocate more.
func readLevelV1(r io.Reader, size int64, dim image.Point) (*image.RGBA, error) {
	n := 4 * dim.X * dim.Y
	if size <= 0 || size > int64(n)+int64(n)/8+(1<<16) { // zstd's bound on its output for n bytes is well inside this
		return nil, errors.New("a damaged pyramid level: its frame is not the size it declares")
	}
	frame := make([]byte, size)
	if _, err := io.ReadFull(r, frame); err != nil {
		return nil, fmt.Errorf("a truncated pyramid level: %w", err)
	}
	var h zstd.Header
	if err := h.Decode(frame); err != nil || !h.HasFCS || h.FrameContentSize != uint64(n) {
		return nil, errors.New("a damaged pyramid level: its frame is not the size it declares")
	}
	d, err := zstd.NewReader(nil, zstd.WithDecoderLowmem(true), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(n)))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	pix, err := d.DecodeAll(frame, make([]byte, 0, n))
	if err != nil {
		return nil, fmt.Errorf("a damaged pyramid level: %w", err)
	}
	if len(pix) != n {
		return nil, fmt.Errorf("a pyramid level of %d bytes, not the %d its size says", len(pix), n)
	}
	return &image.RGBA{Pix: pix, Stride: 4 * dim.X, Rect: image.Rect(0, 0, dim.X, dim.Y)}, nil
}
