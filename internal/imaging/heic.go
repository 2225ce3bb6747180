package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"sync"
	_ "unsafe" // go:linkname, for the WebAssembly module below

	// The module whose WebAssembly build of libheif pngd runs.
	_ "github.com/gen2brain/heic"
)

// HEIC pictures are decoded by libheif 1.18 with libde265, compiled to
// WebAssembly by github.com/gen2brain/heic, whose module pngd runs with
// wazero. The Go side of that package (v0.4.5) is not used, for two faults
// measured against libheif's own decoding (heif-convert):
//   - it reads the planes back with strides of its own guessing (widths
//     rounded up to 16 bytes) where libheif's are even widths of at least
//     64 rounded up to 16 bytes: a picture under 128 pixels wide came back
//     sheared (6.9 dB at 48×32);
//   - it returns a view of WebAssembly memory it has just freed, whose
//     first 24 bytes the allocator then overwrites: the top-left luma
//     samples of every HEIC were garbage.
//
// decodeHEIC calls the module's exported decode function itself, as that
// package's own C wrapper (lib/heif.c) defines it, with room for the planes
// as libheif lays them out, copies them out before freeing them, and
// converts them to RGB with the matrix and range of the file's nclx box,
// which the package ignored (it returned the planes as JPEG's full-range
// BT.601). The module is the package's unexported heifWasm, reached by
// go:linkname: a version of the package without it fails to link, loudly,
// rather than decoding wrongly.

//go:linkname heifWasmGz github.com/gen2brain/heic.heifWasm
var heifWasmGz []byte

// libheif's colour spaces and chroma formats (libheif/heif.h), as the
// wrapper reports them.
const (
	heifYCbCr      = 0
	heifRGB        = 1
	heifMonochrome = 2

	heifChroma400 = 0 // monochrome, in the Y'CbCr colour space: the luma plane alone
	heifChroma420 = 1
	heifChroma422 = 2
	heifChroma444 = 3
)

var loadHEIC = sync.OnceValues(func() (*wasmModule, error) { return compileWasm("libheif", heifWasmGz) })

// heicPlanes is a decoded HEIC as libheif returns it.
type heicPlanes struct {
	w, h       int
	colorspace uint32
	chroma     uint32
	premul     bool
	pix        []byte // the planes, copied out of the module
}

// libheifStride is the row length in bytes of a plane w samples wide of
// size bytes each, as libheif 1.18 allocates it (HeifPixelImage's
// ImagePlane::alloc): the width rounded up to even and to at least 64,
// times the sample size, rounded up to 16 bytes.
func libheifStride(w, size int) int {
	w = (w + 1) &^ 1
	w = max(w, 64)
	return (w*size + 15) &^ 15
}

// layout is where the wrapper puts each plane in its output: the luma (or
// interleaved, or grey) plane first, stride ys, then Cb and Cr, stride cs
// and ch rows each.
func (p *heicPlanes) layout() (ys, cs, ch, size int, err error) {
	switch p.colorspace {
	case heifYCbCr:
		cw, ch := p.w, p.h
		switch p.chroma {
		case heifChroma400:
			ys = libheifStride(p.w, 1)
			return ys, 0, 0, ys * p.h, nil
		case heifChroma420:
			cw, ch = (p.w+1)/2, (p.h+1)/2
		case heifChroma422:
			cw = (p.w + 1) / 2
		case heifChroma444:
		default:
			return 0, 0, 0, 0, fmt.Errorf("libheif chroma format %d", p.chroma)
		}
		ys, cs = libheifStride(p.w, 1), libheifStride(cw, 1)
		return ys, cs, ch, ys*p.h + 2*cs*ch, nil
	case heifMonochrome:
		ys = libheifStride(p.w, 1)
		return ys, 0, 0, ys * p.h, nil
	case heifRGB:
		ys = libheifStride(p.w, 4)
		return ys, 0, 0, ys * p.h, nil
	}
	return 0, 0, 0, 0, fmt.Errorf("libheif colour space %d", p.colorspace)
}

// runHEIC decodes data's primary image (its size and format only, when
// configOnly) in a fresh instance of the module.
func runHEIC(data []byte, configOnly bool) (*heicPlanes, error) {
	m, decode, in, err := startDecode(loadHEIC, data)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	ctx := m.ctx
	fields, err := m.malloc(4 * 5) // width, height, colour space, chroma, premultiplied
	if err != nil {
		return nil, err
	}
	call := func(configOnly uint64, out uint64) (*heicPlanes, error) {
		r, err := decode.Call(ctx, in, uint64(len(data)), configOnly, fields, fields+4, fields+8, fields+12, fields+16, out)
		if err != nil {
			return nil, fmt.Errorf("libheif: %w", err)
		}
		if r[0] == 0 {
			return nil, errors.New("libheif does not decode it")
		}
		f, ok := m.Memory().Read(uint32(fields), 4*5)
		if !ok {
			return nil, errors.New("libheif's WebAssembly: its answer is out of its memory")
		}
		le := binary.LittleEndian
		return &heicPlanes{
			w: int(le.Uint32(f)), h: int(le.Uint32(f[4:])),
			colorspace: le.Uint32(f[8:]), chroma: le.Uint32(f[12:]), premul: le.Uint32(f[16:]) == 1,
		}, nil
	}
	p, err := call(1, 0)
	if err != nil || configOnly {
		return p, err
	}
	if p.w <= 0 || p.h <= 0 {
		return nil, fmt.Errorf("libheif gives a size of %d×%d", p.w, p.h)
	}
	_, _, _, size, err := p.layout()
	if err != nil {
		return nil, err
	}
	out, err := m.malloc(size)
	if err != nil {
		return nil, err
	}
	q, err := call(0, out)
	if err != nil {
		return nil, err
	}
	if q.w != p.w || q.h != p.h || q.colorspace != p.colorspace || q.chroma != p.chroma {
		return nil, errors.New("libheif decoded another picture than it described")
	}
	view, ok := m.Memory().Read(uint32(out), uint32(size))
	if !ok {
		return nil, errors.New("libheif's WebAssembly: its picture is out of its memory")
	}
	p.pix = bytes.Clone(view) // before the module, and its memory, go
	return p, nil
}

// heicConfig reads a HEIC's size and colour model.
func heicConfig(r io.Reader) (image.Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return image.Config{}, err
	}
	_, _, alpha := heifAlpha(data)
	heifMonoAs420(data) // data is this function's own copy
	p, err := runHEIC(data, true)
	if err != nil {
		return image.Config{}, err
	}
	cfg := image.Config{Width: p.w, Height: p.h, ColorModel: color.RGBAModel}
	if alpha {
		cfg.ColorModel = color.NRGBAModel
		return cfg, nil
	}
	switch p.colorspace {
	case heifMonochrome:
		cfg.ColorModel = color.GrayModel
	case heifRGB:
		if !p.premul {
			cfg.ColorModel = color.NRGBAModel
		}
	}
	return cfg, nil
}

// decodeHEIC decodes a HEIC's primary image, upright (libheif applies
// irot, imir and clap), as RGB in the file's own colour encoding, with its
// alpha item when it has one (heicalpha.go).
func decodeHEIC(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	alpha, premultiplied, hasAlpha := heifAlpha(data)
	m, err := decodeHEICColour(data)
	if err != nil || !hasAlpha {
		return m, err
	}
	if !makePrimary(data, alpha) { // data is this function's own copy
		return nil, fmt.Errorf("an alpha item id %d that pitm cannot name", alpha)
	}
	a, err := runHEIC(data, false)
	if err != nil {
		return nil, fmt.Errorf("its alpha item: %w", err)
	}
	if a.w != m.Bounds().Dx() || a.h != m.Bounds().Dy() {
		return nil, fmt.Errorf("an alpha item of %d×%d for a picture of %d×%d", a.w, a.h, m.Bounds().Dx(), m.Bounds().Dy())
	}
	ys, _, _, _, err := a.layout()
	if err != nil || a.colorspace == heifRGB {
		return nil, fmt.Errorf("an alpha item that is not monochrome or Y'CbCr (libheif colour space %d)", a.colorspace)
	}
	out := image.NewNRGBA(m.Bounds())
	switch c := m.(type) {
	case *image.RGBA: // opaque, from the planes
		copy(out.Pix, c.Pix)
	default:
		draw.Draw(out, out.Rect, m, image.Point{}, draw.Src)
	}
	for y := range a.h {
		row, alpha := out.Pix[y*out.Stride:][:4*a.w], a.pix[y*ys:][:a.w]
		for x, v := range alpha {
			px := row[4*x : 4*x+4 : 4*x+4]
			px[3] = v
			if premultiplied {
				for i := range 3 {
					px[i] = unpremultiply(px[i], v)
				}
			}
		}
	}
	return out, nil
}

// unpremultiply is c, a colour sample premultiplied by alpha a, without
// it: rounded, and at most 255 where c > a.
func unpremultiply(c, a uint8) uint8 {
	if a == 0 {
		return 0
	}
	return uint8(min(255, (uint32(c)*255+uint32(a)/2)/uint32(a)))
}

// decodeHEICColour decodes a HEIC's primary image's colour. It changes
// data's monochrome hvcC properties (monoAs420).
func decodeHEICColour(data []byte) (image.Image, error) {
	heifMonoAs420(data)
	p, err := runHEIC(data, false)
	if err != nil {
		return nil, err
	}
	ys, cs, ch, _, err := p.layout()
	if err != nil {
		return nil, err
	}
	rect := image.Rect(0, 0, p.w, p.h)
	switch p.colorspace {
	case heifMonochrome:
		return &image.Gray{Pix: p.pix, Stride: ys, Rect: rect}, nil
	case heifRGB:
		if p.premul {
			return &image.RGBA{Pix: p.pix, Stride: ys, Rect: rect}, nil
		}
		return &image.NRGBA{Pix: p.pix, Stride: ys, Rect: rect}, nil
	}
	ratio := map[uint32]image.YCbCrSubsampleRatio{
		heifChroma420: image.YCbCrSubsampleRatio420,
		heifChroma422: image.YCbCrSubsampleRatio422,
		heifChroma444: image.YCbCrSubsampleRatio444,
	}[p.chroma]
	y0, c0 := ys*p.h, cs*ch
	planes := &image.YCbCr{
		Y: p.pix[:y0], Cb: p.pix[y0 : y0+c0], Cr: p.pix[y0+c0 : y0+2*c0],
		YStride: ys, CStride: cs, SubsampleRatio: ratio, Rect: rect,
	}
	nclx := readHEIFProps(data)
	out := image.NewRGBA(rect)
	if nclx.nclx != nil && nclx.nclx[2] == 0 { // identity: the planes are G, B and R
		identityToRGB(planes, out)
		return out, nil
	}
	k, err := heifMatrix(nclx)
	if err != nil {
		return nil, err
	}
	k.toRGB(planes, false, out.Pix, out.Stride, nil, 0)
	return out, nil
}

// heifMatrix is the Y'CbCr conversion an nclx box names: its matrix
// coefficients (ITU-T H.273, table 4) and its full-range flag. Without an
// nclx box, or with matrix 2 (unspecified), it is BT.601 in full range,
// libheif's own default and what HEIF encoders write.
func heifMatrix(p heifProps) (yuvMatrix, error) {
	if p.nclx == nil {
		return newYUVMatrix(0.299, 0.114, true), nil
	}
	kr, kb := 0.299, 0.114
	switch m := p.nclx[2]; m {
	case 1:
		kr, kb = 0.2126, 0.0722
	case 4:
		kr, kb = 0.30, 0.11
	case 7:
		kr, kb = 0.212, 0.087
	case 9:
		kr, kb = 0.2627, 0.0593
	case 2, 5, 6:
	default:
		return yuvMatrix{}, &UnsupportedMatrixError{HEIC, m}
	}
	return newYUVMatrix(kr, kb, p.fullRange), nil
}

// identityToRGB converts 4:4:4 planes of matrix 0 (G in Y, B in Cb, R in
// Cr) to RGB.
func identityToRGB(m *image.YCbCr, out *image.RGBA) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	for y := range h {
		for x := range w {
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			o := out.PixOffset(x, y)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = m.Cr[ci], m.Y[yi], m.Cb[ci], 255
		}
	}
}
