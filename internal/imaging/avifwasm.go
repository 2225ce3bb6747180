package imaging

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"sync"
	_ "unsafe" // go:linkname, for the WebAssembly module below

	_ "github.com/gen2brain/avif" // its decodeWasm, below
	"github.com/pngd/pngd/internal/pngenc"
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

// avifPicture is a decoded AVIF as the module returns it: its size,
// depth and frame count (an image sequence has more than one), and its
// frames as RGBA, 8 bits a sample, or 16 when depth > 8, each with its
// duration in seconds.
type avifPicture struct {
	w, h, depth, count int
	frames             []image.Image
	delays             []float64
}

// runAVIF decodes data's primary picture, or with all every frame of an
// image sequence (or, with configOnly, reads its size, depth and frame
// count), in a fresh instance of the module.
func runAVIF(data []byte, configOnly, all bool) (*avifPicture, error) {
	m, decode, in, err := startDecode(loadAVIF, data)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	ctx := m.ctx
	fields, err := m.malloc(4 * 4) // width, height, depth, frame count
	if err != nil {
		return nil, err
	}
	// decode(in, size, configOnly, all frames, &width, &height, &depth,
	// &count, delays, out), as the package's lib/avif.c defines it.
	call := func(configOnly, all, delays, out uint64) (*avifPicture, error) {
		r, err := decode.Call(ctx, in, uint64(len(data)), configOnly, all, fields, fields+4, fields+8, fields+12, delays, out)
		if err != nil {
			return nil, fmt.Errorf("libavif: %w", err)
		}
		if r[0] == 0 {
			return nil, errors.New("libavif does not decode it")
		}
		f, ok := m.Memory().Read(uint32(fields), 16)
		if !ok {
			return nil, errors.New("libavif's WebAssembly: its answer is out of its memory")
		}
		le := binary.LittleEndian
		return &avifPicture{w: int(le.Uint32(f)), h: int(le.Uint32(f[4:])), depth: int(le.Uint32(f[8:])), count: int(le.Uint32(f[12:]))}, nil
	}
	p, err := call(1, 0, 0, 0)
	if err != nil || configOnly {
		return p, err
	}
	if p.w <= 0 || p.h <= 0 || int64(p.w)*int64(p.h) > 1<<29 || p.count < 1 {
		return nil, fmt.Errorf("libavif gives a size of %d×%d, %d frames", p.w, p.h, p.count)
	}
	n := 1
	if all {
		n = p.count
	}
	bpp := 4
	if p.depth > 8 {
		bpp = 8
	}
	size := p.w * p.h * bpp
	if int64(size)*int64(n) >= 1<<32 {
		return nil, errors.New("the frames do not fit WebAssembly's memory")
	}
	out, err := m.malloc(size * n)
	if err != nil {
		return nil, err
	}
	delays, err := m.malloc(8 * n)
	if err != nil {
		return nil, err
	}
	q, err := call(0, map[bool]uint64{false: 0, true: 1}[all], delays, out)
	if err != nil {
		return nil, err
	}
	if q.w != p.w || q.h != p.h || q.depth != p.depth || q.count != p.count {
		return nil, errors.New("libavif decoded another picture than it described")
	}
	d, ok := m.Memory().Read(uint32(delays), uint32(8*n))
	if !ok {
		return nil, errors.New("libavif's WebAssembly: its timing is out of its memory")
	}
	for i := range n {
		p.delays = append(p.delays, math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])))
		view, ok := m.Memory().Read(uint32(out)+uint32(i*size), uint32(size))
		if !ok {
			return nil, errors.New("libavif's WebAssembly: its picture is out of its memory")
		}
		p.frames = append(p.frames, m.copyOut(view, p.w, p.h, p.depth > 8))
	}
	return p, nil
}

// copyOut copies a w×h RGBA picture out of the instance's memory, a
// megabyte at a time, each given back to the kernel once copied, so that
// the picture is not held twice at the peak: 8 bits a sample, or 16
// little-endian when deep (RGBA64 is big-endian).
func (r *wasmRun) copyOut(view []byte, w, h int, deep bool) image.Image {
	pix := make([]byte, len(view))
	const chunk = 1 << 20
	for i := 0; i < len(view); i += chunk {
		j := min(i+chunk, len(view))
		if !deep {
			copy(pix[i:j], view[i:j])
		} else {
			for k := i; k+1 < j; k += 2 {
				pix[k], pix[k+1] = view[k+1], view[k]
			}
		}
		r.mapping().release(view[i:j])
	}
	if deep {
		return &image.RGBA64{Pix: pix, Stride: 8 * w, Rect: image.Rect(0, 0, w, h)}
	}
	return &image.RGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// avifConfig reads an AVIF's size and colour model.
func avifConfig(r io.Reader) (image.Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return image.Config{}, err
	}
	p, err := runAVIF(data, true, false)
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
	p, err := runAVIF(data, false, false)
	if err != nil {
		return nil, err
	}
	return p.frames[0], nil
}

// avifFrames is the frame count of an AVIF: more than one for an image
// sequence, read from its headers without decoding a frame.
func avifFrames(data []byte) (int, error) {
	p, err := runAVIF(data, true, false)
	if err != nil {
		return 0, err
	}
	return p.count, nil
}

// decodeAVIFSequence decodes every frame of an AVIF image sequence: whole
// pictures, each shown for its duration (to the millisecond). libavif 0.11
// does not report a repetition count; the sequence loops forever, as
// browsers play it.
func decodeAVIFSequence(data []byte, a *pngenc.Animation) error {
	p, err := runAVIF(data, false, true)
	if err != nil {
		return err
	}
	for i, m := range p.frames {
		ms := math.Round(p.delays[i] * 1000)
		a.Frames = append(a.Frames, pngenc.Frame{Image: m, DelayNum: uint16(min(max(ms, 0), 65535)), DelayDen: 1000, Blend: pngenc.BlendSource})
	}
	return nil
}
