package imaging

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"sync"
	_ "unsafe" // go:linkname, for the WebAssembly module below

	_ "github.com/gen2brain/avif" // its decodeWasm, below
)

// AVIF is decoded by github.com/gen2brain/avif's WebAssembly build of
// libavif and dav1d, which pngd runs with wazero itself, as it runs
// libheif's (heic.go): the package's own Go side instantiates the module
// with a linear memory that grows by copying itself into a new Go slice
// each time the decoder asks for more, and converts 10- and 12-bit
// pictures through two more copies, so that a 12 MP AVIF peaked at 97
// bytes a pixel. Here the module's memory is an anonymous mapping that
// never moves (linearMemory): pages are committed as the decoder touches
// them and returned when the module closes, and the picture is copied out
// once, straight into the Go image.
//
// The module is the package's unexported decodeWasm, reached by
// go:linkname: a version of the package without it fails to link.

//go:linkname avifWasmGz github.com/gen2brain/avif.decodeWasm
var avifWasmGz []byte

var loadAVIF = sync.OnceValues(func() (*wasmModule, error) { return compileWasm("libavif", avifWasmGz) })

// avifPicture is a decoded AVIF's first picture as the module returns it:
// RGBA, 8 bits a sample, or 16 little-endian when depth > 8.
type avifPicture struct {
	w, h, depth int
	img         image.Image
}

// runAVIF decodes data's primary picture (or, with configOnly, its size
// and depth) in a fresh instance of the module.
func runAVIF(data []byte, configOnly bool) (*avifPicture, error) {
	m, decode, in, err := startDecode(loadAVIF, data)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	ctx := m.ctx
	fields, err := m.malloc(4*4 + 8) // width, height, depth, frame count; a frame's delay
	if err != nil {
		return nil, err
	}
	// decode(in, size, configOnly, all frames, &width, &height, &depth,
	// &count, &delay, out), as the package's lib/avif.c defines it.
	call := func(configOnly, out uint64) (*avifPicture, error) {
		r, err := decode.Call(ctx, in, uint64(len(data)), configOnly, 0, fields, fields+4, fields+8, fields+12, fields+16, out)
		if err != nil {
			return nil, fmt.Errorf("libavif: %w", err)
		}
		if r[0] == 0 {
			return nil, errors.New("libavif does not decode it")
		}
		f, ok := m.Memory().Read(uint32(fields), 12)
		if !ok {
			return nil, errors.New("libavif's WebAssembly: its answer is out of its memory")
		}
		le := binary.LittleEndian
		return &avifPicture{w: int(le.Uint32(f)), h: int(le.Uint32(f[4:])), depth: int(le.Uint32(f[8:]))}, nil
	}
	p, err := call(1, 0)
	if err != nil || configOnly {
		return p, err
	}
	if p.w <= 0 || p.h <= 0 || int64(p.w)*int64(p.h) > 1<<29 {
		return nil, fmt.Errorf("libavif gives a size of %d×%d", p.w, p.h)
	}
	bpp := 4
	if p.depth > 8 {
		bpp = 8
	}
	size := p.w * p.h * bpp
	out, err := m.malloc(size)
	if err != nil {
		return nil, err
	}
	q, err := call(0, out)
	if err != nil {
		return nil, err
	}
	if q.w != p.w || q.h != p.h || q.depth != p.depth {
		return nil, errors.New("libavif decoded another picture than it described")
	}
	view, ok := m.Memory().Read(uint32(out), uint32(size))
	if !ok {
		return nil, errors.New("libavif's WebAssembly: its picture is out of its memory")
	}
	// Copied out a megabyte at a time, each given back to the kernel once
	// copied: the picture is not held twice at the peak.
	pix := make([]byte, size)
	const chunk = 1 << 20
	for i := 0; i < size; i += chunk {
		j := min(i+chunk, size)
		if p.depth <= 8 {
			copy(pix[i:j], view[i:j])
		} else {
			for k := i; k+1 < j; k += 2 { // RGBA64 is big-endian; the module's samples are little
				pix[k], pix[k+1] = view[k+1], view[k]
			}
		}
		m.mapping().release(view[i:j])
	}
	r := image.Rect(0, 0, p.w, p.h)
	if p.depth <= 8 {
		p.img = &image.RGBA{Pix: pix, Stride: 4 * p.w, Rect: r}
	} else {
		p.img = &image.RGBA64{Pix: pix, Stride: 8 * p.w, Rect: r}
	}
	return p, nil
}

// avifConfig reads an AVIF's size and colour model.
func avifConfig(r io.Reader) (image.Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return image.Config{}, err
	}
	p, err := runAVIF(data, true)
	if err != nil {
		return image.Config{}, err
	}
	model := color.Model(color.RGBAModel)
	if p.depth > 8 {
		model = color.RGBA64Model
	}
	return image.Config{ColorModel: model, Width: p.w, Height: p.h}, nil
}

// decodeAVIF decodes an AVIF's primary picture.
func decodeAVIF(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	p, err := runAVIF(data, false)
	if err != nil {
		return nil, err
	}
	return p.img, nil
}
