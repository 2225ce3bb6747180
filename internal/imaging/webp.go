package imaging

import (
	"image"
	"io"
	"math"
	"runtime"
	"sync"

	"golang.org/x/image/webp"
)

// WebP's lossy (VP8) pictures are Y'CbCr in BT.601's limited range: Y' from
// 16 to 235, Cb and Cr from 16 to 240, chroma at half the resolution each
// way (RFC 6386, 9.2; libwebp's dwebp decodes them so). x/image/webp
// returns the planes as an image.YCbCr (or NYCbCrA with alpha), and Go
// converts those as JPEG's full-range Y'CbCr with the nearest chroma
// sample: blacks lifted, whites and colours dulled (by 0.86 and +0.06, a
// picture 9 dB further from its source than libwebp's decoding), and
// blocky chroma at edges. decodeWebP converts the planes itself, with
// limited-range coefficients and the chroma upsampled as dwebp does by
// default: each output pixel weighs its four nearest chroma samples 9:3:3:1.

func init() {
	codecs[WebP] = codec{webp.DecodeConfig, decodeWebP}
}

// decodeWebP decodes a still WebP; a lossy one comes back as RGBA (NRGBA
// with alpha) in sRGB's encoding, a lossless one as x/image/webp gives it.
func decodeWebP(r io.Reader) (image.Image, error) {
	m, err := webp.Decode(r)
	if err != nil {
		return nil, err
	}
	return webpRGB(m), nil
}

// webpRGB converts a lossy WebP picture (or an animated WebP's frame) from
// its limited-range Y'CbCr planes, at the origin; anything else passes.
func webpRGB(m image.Image) image.Image {
	switch m := m.(type) {
	case *image.YCbCr:
		out := image.NewRGBA(image.Rect(0, 0, m.Rect.Dx(), m.Rect.Dy()))
		bt601Limited.toRGB(m, true, out.Pix, out.Stride, nil, 0)
		return out
	case *image.NYCbCrA:
		out := image.NewNRGBA(image.Rect(0, 0, m.Rect.Dx(), m.Rect.Dy()))
		bt601Limited.toRGB(&m.YCbCr, true, out.Pix, out.Stride, m.A, m.AStride)
		return out
	}
	return m
}

// toRGB writes m's pixels, converted by k, as 4-byte pixels into pix
// (rows stride apart), with alpha from a (rows aStride apart) or opaque.
// With fancy, 4:2:0 chroma is upsampled 9:3:3:1 from the four nearest
// samples, as dwebp does; otherwise, and for other subsamplings, each
// pixel takes the nearest sample, as libheif does. Rows run on every core.
func (k yuvMatrix) toRGB(m *image.YCbCr, fancy bool, pix []byte, stride int, a []byte, aStride int) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	fancy = fancy && m.SubsampleRatio == image.YCbCrSubsampleRatio420 && m.Rect.Min == image.Point{}
	cw, ch := (w+1)/2, (h+1)/2
	bands(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			yRow := m.Y[m.YOffset(m.Rect.Min.X, m.Rect.Min.Y+y):]
			// The two chroma rows nearest y, the nearer weighing 3.
			cy := y / 2
			cyFar := cy - 1
			if y%2 == 1 {
				cyFar = cy + 1
			}
			cyFar = min(max(cyFar, 0), ch-1)
			out := pix[y*stride:]
			for x := range w {
				var cb, cr int32 // in 1/16
				if fancy {
					cx := x / 2
					cxFar := cx - 1
					if x%2 == 1 {
						cxFar = cx + 1
					}
					cxFar = min(max(cxFar, 0), cw-1)
					at := func(cy, cx int) (int32, int32) {
						i := cy*m.CStride + cx
						return int32(m.Cb[i]), int32(m.Cr[i])
					}
					b0, r0 := at(cy, cx)
					b1, r1 := at(cy, cxFar)
					b2, r2 := at(cyFar, cx)
					b3, r3 := at(cyFar, cxFar)
					cb = 9*b0 + 3*b1 + 3*b2 + b3
					cr = 9*r0 + 3*r1 + 3*r2 + r3
				} else {
					i := m.COffset(x+m.Rect.Min.X, y+m.Rect.Min.Y)
					cb, cr = int32(m.Cb[i])*16, int32(m.Cr[i])*16
				}
				yy := (int32(yRow[x]) - k.yOff) * k.y
				u, v := cb-128*16, cr-128*16
				r := yy + (k.rv*v)>>4
				g := yy - (k.gu*u)>>4 - (k.gv*v)>>4
				b := yy + (k.bu*u)>>4
				px := out[4*x : 4*x+4 : 4*x+4]
				px[0], px[1], px[2] = clip16(r), clip16(g), clip16(b)
				px[3] = 255
				if a != nil {
					px[3] = a[y*aStride+x]
				}
			}
		}
	})
}

// clip16 rounds a 16.16 value to a byte, clipping.
func clip16(v int32) uint8 {
	v = (v + 1<<15) >> 16
	return uint8(min(max(v, 0), 255))
}

// yuvMatrix converts Y'CbCr to R'G'B' in 16.16 fixed point: R = y(Y-yOff)
// + rv(Cr-128), G = y(Y-yOff) - gu(Cb-128) - gv(Cr-128), B = y(Y-yOff) +
// bu(Cb-128).
type yuvMatrix struct{ y, yOff, rv, gu, gv, bu int32 }

// newYUVMatrix is the conversion of ITU-T H.273's matrix with luma
// weights kr and kb, in limited range (Y' 16-235, chroma 16-240) or full.
func newYUVMatrix(kr, kb float64, full bool) yuvMatrix {
	ys, cs, off := 255.0/219, 255.0/224, int32(16)
	if full {
		ys, cs, off = 1, 1, 0
	}
	kg := 1 - kr - kb
	f := func(v float64) int32 { return int32(math.Round(v * 65536)) }
	return yuvMatrix{
		y: f(ys), yOff: off,
		rv: f(2 * (1 - kr) * cs),
		gu: f(2 * kb * (1 - kb) / kg * cs), gv: f(2 * kr * (1 - kr) / kg * cs),
		bu: f(2 * (1 - kb) * cs),
	}
}

// bt601Limited is WebP's (VP8's) conversion.
var bt601Limited = newYUVMatrix(0.299, 0.114, false)

// bands runs f over bands of h rows, one a core.
func bands(h int, f func(y0, y1 int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), h/64))
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { f(h*i/workers, h*(i+1)/workers) })
	}
	wg.Wait()
}
