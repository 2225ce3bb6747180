package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"time"

	"github.com/pngd/pngd/internal/pngenc"
	"github.com/pngd/pngd/internal/quant"
)

// The palette step, the last of a derived image's: the transformed
// picture (8 or 16 bits, sRGB) reduced by internal/quant to a palette and
// written as a paletted PNG, as Params.Palette asks. A quantized image is
// written once and cached, so it gets pngenc's stored mode, whose deflate
// is the strongest: the step is there to save bytes.

// ByteBudgetError means max_bytes that no PNG of the image fits in.
type ByteBudgetError struct {
	MaxBytes int64
	// Smallest is the smallest PNG found: 2 colours, undithered (or, with
	// a quality, the fewest colours that reach it).
	Smallest int64
	// Quality is the quality asked for with the budget, or -1.
	Quality int
}

func (e *ByteBudgetError) Error() string {
	if e.Quality >= 0 {
		return fmt.Sprintf("no PNG of this image in at most %d bytes reaches quality %d (%.0f dB): the smallest that does is %d bytes; raise max_bytes or lower quality", e.MaxBytes, e.Quality, QualityPSNR(e.Quality), e.Smallest)
	}
	return fmt.Sprintf("no PNG of this image fits in %d bytes: the smallest pngd can make is %d bytes (2 colours, undithered); raise max_bytes or ask for a smaller size", e.MaxBytes, e.Smallest)
}

// PaletteBytes is the most memory the palette step takes for an output of
// size out beyond the transformed image: the histogram (at most 32768
// bins and their index), the paletted image, the encoder and the encoded
// bytes, and with a byte budget the lossless encoding tried first and the
// best palette kept while others are tried.
func PaletteBytes(out image.Point, q Palette) int64 {
	if !q.On() {
		return 0
	}
	px := int64(out.X) * int64(out.Y)
	n := int64(4<<20) + px + EncodeBytes(out.X, out.Y, 1) + px
	if q.MaxBytes > 0 {
		n += EncodeBytes(out.X, out.Y, 4) + 2*px
	}
	return n
}

// EncodePalette writes m as q asks (q.On() must hold): the paletted PNG,
// tagged sRGB. lossless encodes m without a palette, for a quality no
// palette reaches and for a byte budget the lossless image meets. Errors:
// *ByteBudgetError, ctx.Err(), the encoders'.
func EncodePalette(ctx context.Context, m image.Image, q Palette, lossless func() ([]byte, error)) ([]byte, error) {
	defer observe("palette", PNG, time.Now())
	h := quant.NewHistogram(m)
	return paletteSearch(ctx, h, q, lossless, func(r quant.Result) ([]byte, error) { return encodePaletted(r.Image) })
}

// EncodePaletteAnimation writes a derived animation's frames (made from
// src, whose delays and loops they keep) as q asks: with one palette for
// every frame (a paletted APNG), or each frame quantized on its own (an
// APNG whose frames' colours together pngenc then writes as it can),
// whichever is smaller. A quality target or byte budget applies to the
// one palette for all.
func EncodePaletteAnimation(ctx context.Context, src *pngenc.Animation, frames []*image.RGBA, q Palette) ([]byte, error) {
	defer observe("palette", PNG, time.Now())
	ms := make([]image.Image, len(frames))
	for i, f := range frames {
		ms[i] = f
	}
	lossless := func() ([]byte, error) { return EncodeAnimationSRGB(DerivedAnimation(src, frames)) }
	encode := func(r quant.Result) ([]byte, error) { return encodePalettedAnimation(src, r.Frames) }
	one, err := paletteSearch(ctx, quant.NewHistogramFrames(ms), q, lossless, encode)
	c := q.canonical()
	if err != nil || c.HasQuality || c.MaxBytes > 0 {
		return one, err
	}
	// Each frame its own palette.
	own := make([]*image.Paletted, len(frames))
	for i, f := range frames {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, _ := quant.NewHistogram(f).Quantize(quant.Options{Colors: c.Colors, Dither: c.Dither})
		own[i] = r.Image
	}
	each, err := encodePalettedAnimation(src, own)
	if err != nil || len(each) >= len(one) {
		return one, err
	}
	return each, nil
}

// paletteSearch quantizes h's image(s) as q asks, encode writing a result:
// the palette of q's colours, or the fewest that reach its quality, or
// the best within its byte budget.
func paletteSearch(ctx context.Context, h *quant.Histogram, q Palette, lossless func() ([]byte, error), encode func(quant.Result) ([]byte, error)) ([]byte, error) {
	q = q.canonical()
	minPSNR := 0.0
	if q.HasQuality {
		minPSNR = QualityPSNR(q.Quality)
	}
	if q.MaxBytes == 0 {
		r, ok := h.Quantize(quant.Options{Colors: q.Colors, Dither: q.Dither, MinPSNR: minPSNR})
		if !ok {
			return lossless()
		}
		return encode(r)
	}

	// A byte budget: lossless when it fits.
	if png, err := lossless(); err != nil || int64(len(png)) <= q.MaxBytes {
		return png, err
	}
	if q.HasQuality {
		r, ok := h.Quantize(quant.Options{Colors: q.Colors, Dither: q.Dither, MinPSNR: minPSNR})
		if !ok {
			return nil, &ByteBudgetError{MaxBytes: q.MaxBytes, Smallest: -1, Quality: q.Quality}
		}
		png, err := encode(r)
		if err != nil || int64(len(png)) <= q.MaxBytes {
			return png, err
		}
		return nil, &ByteBudgetError{MaxBytes: q.MaxBytes, Smallest: int64(len(png)), Quality: q.Quality}
	}
	// The most colours that fit, dithered as asked and undithered; the
	// nearer the picture wins. Bytes grow with colours, so each is a
	// binary search.
	type found struct {
		png  []byte
		psnr float64
	}
	smallest := int64(-1)
	search := func(dither float64) (found, error) {
		var best found
		try := func(k int) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			r := h.Remap(k, dither)
			png, err := encode(r)
			if err != nil {
				return false, err
			}
			if n := int64(len(png)); smallest < 0 || n < smallest {
				smallest = n
			}
			if int64(len(png)) > q.MaxBytes {
				return false, nil
			}
			best = found{png, r.PSNR}
			return true, nil
		}
		if ok, err := try(2); !ok || err != nil {
			return best, err
		}
		lo, hi := 2, q.Colors
		for lo < hi {
			mid := (lo + hi + 1) / 2
			ok, err := try(mid)
			if err != nil {
				return best, err
			}
			if ok {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		return best, nil
	}
	best, err := search(q.Dither)
	if err != nil {
		return nil, err
	}
	if q.Dither > 0 {
		plain, err := search(0)
		if err != nil {
			return nil, err
		}
		if plain.png != nil && (best.png == nil || plain.psnr > best.psnr) {
			best = plain
		}
	}
	if best.png == nil {
		return nil, &ByteBudgetError{MaxBytes: q.MaxBytes, Smallest: smallest, Quality: -1}
	}
	return best.png, nil
}

// encodePaletted writes a quantized image, tagged sRGB, in pngenc's
// stored mode.
func encodePaletted(m *image.Paletted) ([]byte, error) {
	var buf bytes.Buffer
	if err := storedEncoder.EncodeMeta(&buf, m, pngenc.Meta{SRGB: true}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodePalettedAnimation writes quantized frames as an APNG with src's
// delays and loops, tagged sRGB, each frame after the first only where
// its indices or palette differ from the one before.
func encodePalettedAnimation(src *pngenc.Animation, frames []*image.Paletted) ([]byte, error) {
	a := animationFrom(src, frames[0].Rect.Size(), len(frames), func(i int) image.Image {
		if i == 0 {
			return frames[0]
		}
		return frames[i].SubImage(changedIndices(frames[i-1], frames[i]))
	})
	var buf bytes.Buffer
	if err := storedEncoder.EncodeAnimation(&buf, *a, pngenc.Meta{SRGB: true}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// animationFrom is an animation of n frames of size, with src's delays and
// loops, frame i being part(i).
func animationFrom(src *pngenc.Animation, size image.Point, n int, part func(i int) image.Image) *pngenc.Animation {
	a := &pngenc.Animation{Width: size.X, Height: size.Y, Loops: src.Loops}
	for i := range n {
		f := src.Frames[i]
		a.Frames = append(a.Frames, pngenc.Frame{Image: part(i), DelayNum: f.DelayNum, DelayDen: f.DelayDen, Blend: pngenc.BlendSource})
	}
	return a
}

// changedIndices is the smallest rectangle outside which b shows what a
// does (at least one pixel, as an APNG frame must have).
func changedIndices(a, b *image.Paletted) image.Rectangle {
	same := func(x, y int) bool {
		i, j := a.Pix[a.PixOffset(x, y)], b.Pix[b.PixOffset(x, y)]
		return a.Palette[i] == b.Palette[j]
	}
	r := b.Rect
	minX, minY, maxX, maxY := r.Max.X, r.Max.Y, r.Min.X-1, r.Min.Y-1
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !same(x, y) {
				minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
			}
		}
	}
	if maxX < minX {
		return image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Min.Y+1)
	}
	return image.Rect(minX, minY, maxX+1, maxY+1)
}

// DerivedAnimation is a derived animation's frames, made from src (whose
// delays and loops they keep), as pngenc writes them: each frame after
// the first only where it differs from the one before.
func DerivedAnimation(src *pngenc.Animation, frames []*image.RGBA) *pngenc.Animation {
	return animationFrom(src, frames[0].Rect.Size(), len(frames), func(i int) image.Image {
		if i == 0 {
			return frames[0]
		}
		return frames[i].SubImage(Changed(frames[i-1], frames[i]))
	})
}
