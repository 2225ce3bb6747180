// Package placeholder makes what a page shows before an image arrives: a
// BlurHash, a ThumbHash, the average and dominant colours, a small
// palette, and a tiny blurred PNG as a data: URL. They are made once, from
// the smallest version of the image pngd has (a pyramid level), and kept
// with it.
package placeholder

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"

	"github.com/bbrks/go-blurhash"
	"go.n16f.net/thumbhash"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/pngenc"
	"github.com/pngd/pngd/internal/quant"
)

// Placeholder is an image's placeholders, as the API gives them.
type Placeholder struct {
	// BlurHash has 4×3 components, computed as the reference
	// implementation (npm blurhash) does from the image at most 100
	// pixels a side; like it, it ignores alpha.
	BlurHash string `json:"blurhash"`
	// ThumbHash is the ThumbHash's bytes in standard base64, from the
	// same pixels, with alpha.
	ThumbHash string `json:"thumbhash"`
	// Average is the mean colour, weighted by alpha, and its mean
	// alpha: #rrggbb, or #rrggbbaa when not opaque.
	Average string `json:"average"`
	// Dominant is the most used colour of Palette.
	Dominant string `json:"dominant"`
	// Palette is up to 8 colours that stand for the image, most used
	// first (pngd's quantizer).
	Palette []string `json:"palette"`
	// DataURL is a PNG of at most 32 pixels a side, blurred.
	DataURL string `json:"data_url"`
}

// Bytes is the most memory Of takes beyond m.
const Bytes = 8 << 20

const (
	hashSide = 100 // ThumbHash's largest input, and BlurHash's here
	tinySide = 32
)

// Of computes the placeholders of m, an sRGB image (premultiplied), at
// any size; callers pass the smallest they have.
func Of(ctx context.Context, m *image.RGBA) (Placeholder, error) {
	if m.Rect.Min != (image.Point{}) {
		m = imaging.ToRGBA(m.SubImage(m.Rect)) // at the origin, as the hashes read it
	}
	small := fitWithin(m, hashSide)
	straight := image.NewNRGBA(small.Rect)
	var sum [4]float64
	for i := 0; i < len(small.Pix); i += 4 {
		r, g, b, a := small.Pix[i], small.Pix[i+1], small.Pix[i+2], small.Pix[i+3]
		sum[0] += float64(r)
		sum[1] += float64(g)
		sum[2] += float64(b)
		sum[3] += float64(a)
		if a != 0 {
			n := color.NRGBAModel.Convert(color.RGBA{r, g, b, a}).(color.NRGBA)
			copy(straight.Pix[i:i+4], []uint8{n.R, n.G, n.B, n.A})
		}
	}
	var p Placeholder
	var err error
	if p.BlurHash, err = blurhash.Encode(4, 3, straight); err != nil {
		return p, fmt.Errorf("blurhash: %w", err)
	}
	// go.n16f.net/thumbhash multiplies the bytes of the image.RGBA it
	// draws into by their alpha, as the reference does its straight RGBA
	// input: given straight bytes, it computes the reference's hash.
	p.ThumbHash = base64.StdEncoding.EncodeToString(thumbhash.EncodeImage(&image.RGBA{Pix: straight.Pix, Stride: straight.Stride, Rect: straight.Rect}))

	n := float64(small.Rect.Dx() * small.Rect.Dy())
	avg := color.NRGBA{}
	if sum[3] > 0 {
		c := func(v float64) uint8 { return uint8(min(255, v*255/sum[3]+0.5)) }
		avg = color.NRGBA{c(sum[0]), c(sum[1]), c(sum[2]), uint8(sum[3]/n + 0.5)}
	}
	p.Average = hex(avg)
	for _, c := range quant.NewHistogram(small).Dominant(8) {
		p.Palette = append(p.Palette, hex(c))
	}
	if len(p.Palette) > 0 {
		p.Dominant = p.Palette[0]
	} else {
		p.Dominant, p.Palette = hex(color.NRGBA{}), []string{}
	}

	tiny := fitWithin(small, tinySide)
	if tiny == small || tiny == m { // a copy, not to blur the caller's pixels
		tiny = image.NewRGBA(small.Rect)
		copy(tiny.Pix, small.Pix)
	}
	if err := imaging.Blur(ctx, tiny, 1); err != nil {
		return p, err
	}
	var buf bytes.Buffer
	if err := (&pngenc.Encoder{Mode: pngenc.Stored}).Encode(&buf, tiny); err != nil {
		return p, err
	}
	p.DataURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	return p, nil
}

// fitWithin is m resampled to fit within side×side, keeping its aspect
// ratio; m itself when it fits.
func fitWithin(m *image.RGBA, side int) *image.RGBA {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	if w <= side && h <= side {
		return m
	}
	s := float64(side) / float64(max(w, h))
	size := image.Pt(max(1, int(float64(w)*s+0.5)), max(1, int(float64(h)*s+0.5)))
	return imaging.Resample(m, m.Rect, size)
}

// hex is c as CSS writes it: #rrggbb, with aa when not opaque.
func hex(c color.NRGBA) string {
	if c.A == 255 {
		return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
	}
	return fmt.Sprintf("#%02x%02x%02x%02x", c.R, c.G, c.B, c.A)
}
