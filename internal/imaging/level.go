package imaging

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"

	"github.com/klauspost/compress/zstd"
)

// A pyramid level is pngd's own, never served: the RGBA pixels, compressed
// with zstd at its fastest, behind a magic and the size. Reading one is
// what a cold derive waits for, and zstd gives the bytes back at about a
// gigabyte a second where image/png's inflate and unfiltering take 3-4
// times as long (docs/performance.md), for about twice the bytes of a PNG.
var levelMagic = []byte("pngd-level-1\n")

var (
	levelEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithLowerEncoderMem(true))
	levelDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxMemory(1<<32))
)

// maxLevelPixels bounds a level's declared size: the largest level is
// half the largest source pngd accepts, on each side.
const maxLevelPixels = 1 << 30

// EncodeLevel is m's pyramid level object.
func EncodeLevel(m *image.RGBA) []byte {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	// One allocation of the most the encoding can take: growing it by
	// appending would allocate about twice that in all, more than
	// admission counts (TestPrepareBytesBoundsAllocation).
	out := make([]byte, 0, len(levelMagic)+8+levelEncoder.MaxEncodedSize(4*w*h))
	out = append(out, levelMagic...)
	out = binary.BigEndian.AppendUint32(out, uint32(w))
	out = binary.BigEndian.AppendUint32(out, uint32(h))
	if m.Stride == 4*w {
		return levelEncoder.EncodeAll(m.Pix[:4*w*h], out)
	}
	pix := make([]byte, 0, 4*w*h)
	for y := range h {
		pix = append(pix, m.Pix[y*m.Stride:y*m.Stride+4*w]...)
	}
	return levelEncoder.EncodeAll(pix, out)
}

// IsLevel reports whether data is a level object (EncodeLevel), rather
// than a PNG.
func IsLevel(data []byte) bool {
	return len(data) >= len(levelMagic)+8 && string(data[:len(levelMagic)]) == string(levelMagic)
}

// LevelSize is the size a level object declares.
func LevelSize(data []byte) (image.Point, bool) {
	if !IsLevel(data) {
		return image.Point{}, false
	}
	b := data[len(levelMagic):]
	return image.Pt(int(binary.BigEndian.Uint32(b)), int(binary.BigEndian.Uint32(b[4:]))), true
}

// DecodeLevel decodes a level object. It allocates the declared pixels
// once, and fails on a damaged object or one whose pixels are not the
// size it declares.
func DecodeLevel(data []byte) (*image.RGBA, error) {
	size, ok := LevelSize(data)
	if !ok {
		return nil, errors.New("not a pyramid level")
	}
	if size.X <= 0 || size.Y <= 0 || int64(size.X)*int64(size.Y) > maxLevelPixels {
		return nil, fmt.Errorf("a pyramid level of %v pixels", size)
	}
	n := 4 * size.X * size.Y
	pix, err := levelDecoder.DecodeAll(data[len(levelMagic)+8:], make([]byte, 0, n))
	if err != nil {
		return nil, fmt.Errorf("a damaged pyramid level: %w", err)
	}
	if len(pix) != n {
		return nil, fmt.Errorf("a pyramid level of %d bytes, not the %d its size says", len(pix), n)
	}
	return &image.RGBA{Pix: pix, Stride: 4 * size.X, Rect: image.Rect(0, 0, size.X, size.Y)}, nil
}
