// Derived images of 16-bit sources.

package library

import (
	"bytes"
	"context"
	"fmt"
	"image"

	"go.opentelemetry.io/otel/attribute"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/tracing"
)

// deepBytes is the most memory a 16-bit derive takes: the original decoded
// (decodeBytes), its 16-bit working copy, and the steps after it at twice
// the 8-bit cost (Plan.Bytes).
func deepBytes(src source, plan imaging.Plan, p imaging.Params) int64 {
	return src.decodeBytes() + 8*int64(src.size.X)*int64(src.size.Y) + 2*plan.Bytes(plan.Crop.Size()) + imaging.PaletteBytes(plan.Out, p.Palette)
}

// renderDeep derives from a 16-bit original at 16 bits: decoded whole (no
// 8-bit pyramid level would do), converted to sRGB, transformed and
// written at 16 bits.
func (l *Library) renderDeep(ctx context.Context, id string, size image.Point, c imaging.Content, plan imaging.Plan, p imaging.Params) ([]byte, error) {
	d, toSRGB, err := l.decodeOriginal(ctx, id, "png16")
	if err != nil {
		return nil, err
	}
	m := imaging.ToRGBA16(d.Image)
	d.Image = nil
	var hdr *colour.HDR
	if d.Profile != nil {
		hdr = d.Profile.HDR()
	}
	if hdr != nil && p.KeepHDR {
		toSRGB = nil // kept as it is, and tagged with its cICP below
	} else {
		hdr = nil
	}
	if toSRGB != nil {
		toSRGB.ApplyRGBA16(m.Pix)
	}
	plan, err = l.focusPlan(ctx, p, size, c, plan, m.Rect.Size(), func(r image.Rectangle, crop image.Point) (float64, float64) {
		return imaging.SmartFocus16(m, r, crop)
	})
	if err != nil {
		return nil, err
	}
	out, err := imaging.Transform16(ctx, m, plan.Crop, plan, p)
	if err != nil {
		return nil, err
	}
	if hdr == nil && p.Palette.On() { // quantized from its 16 bits
		return encodeDerived(ctx, out.RGBA64(), p)
	}
	_, span := tracing.Start(ctx, "encode", attribute.String("pngd.mode", "fast"), attribute.Int("pngd.depth", 16))
	var buf *bytes.Buffer
	if hdr != nil {
		buf, err = imaging.EncodePNGHDR(out.RGBA64(), *hdr)
	} else {
		buf, err = imaging.EncodePNGSRGB(out.RGBA64())
	}
	tracing.End(span, err)
	if err != nil {
		return nil, fmt.Errorf("encoding a derived image: %w", err)
	}
	defer imaging.ReleaseBuffer(buf)
	return bytes.Clone(buf.Bytes()), nil
}
