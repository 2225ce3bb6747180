// Derived images of animations.

package library

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/tracing"
)

// AnimationTooLargeError means a derived animation with more pixels over
// all its frames than Options.MaxFramePixels.
type AnimationTooLargeError struct {
	Frames int
	Out    image.Point
	Max    int64
}

func (e *AnimationTooLargeError) Error() string {
	return fmt.Sprintf("the derived animation would have %d frames of %d×%d, %d pixels in all, more than the %d this server makes; ask for a smaller size, or one frame with frame=N",
		e.Frames, e.Out.X, e.Out.Y, int64(e.Frames)*int64(e.Out.X)*int64(e.Out.Y), e.Max)
}

// frameWorkers is how many frames of an animation are transformed at once:
// one per CPU.
func frameWorkers() int { return runtime.GOMAXPROCS(0) }

// animationBytes is the most memory deriving from an animation takes: the
// stored APNG and every frame decoded (at most the canvas each, at the
// stored depth), the composed canvas and what a DisposePrevious frame
// saves, a copy of the canvas per step (Plan.Bytes), and every output
// frame with the encoded animation (twice the raw frames, at most).
func animationBytes(src source, plan imaging.Plan, p imaging.Params) int64 {
	canvas := int64(src.size.X) * int64(src.size.Y)
	n := src.bytes + int64(src.frames)*canvas*int64(max(src.bpp, 4)) + imaging.ComposerBytes(src.size.X, src.size.Y) + plan.Bytes(plan.Crop.Size())
	if !p.OneFrame {
		n += int64(frameWorkers()) * (4*canvas + plan.Bytes(plan.Crop.Size())) // the frames in flight, each from a copy of the canvas
		n += 3 * 4 * int64(src.frames) * int64(plan.Out.X) * int64(plan.Out.Y)
		if p.Palette.On() { // a paletted copy of every frame, each way, and the two encodings
			n += 4*int64(src.frames)*int64(plan.Out.X)*int64(plan.Out.Y) + imaging.PaletteBytes(plan.Out, p.Palette)
		}
	} else {
		n += imaging.PaletteBytes(plan.Out, p.Palette)
	}
	return n
}

// renderAnimation derives from a stored APNG: every frame composed as a
// viewer shows it, then transformed, converted to sRGB and encoded as an
// APNG with the same delays and loops; or only frame p.Frame, as a still
// PNG.
func (l *Library) renderAnimation(ctx context.Context, id string, size image.Point, c imaging.Content, plan imaging.Plan, p imaging.Params) ([]byte, error) {
	d, toSRGB, err := l.decodeOriginal(ctx, id, "apng")
	if err != nil {
		return nil, err
	}
	if d.Anim == nil {
		return nil, fmt.Errorf("stored object %s: not an animation", key(id))
	}
	// Each frame is transformed, then converted: its output pixels,
	// fewer than the canvas's as a rule.
	frame := func(canvas *image.RGBA) (*image.RGBA, error) {
		m, err := imaging.Transform(ctx, canvas, plan.Crop, plan, p)
		if err == nil && toSRGB != nil {
			toSRGB.ApplyRGBA(m)
		}
		return m, err
	}
	comp := imaging.NewComposer(d.Anim)
	// A smart crop is placed by the first frame shown, and the same for
	// every frame.
	smart := func(canvas *image.RGBA) (err error) {
		plan, err = l.focusPlan(ctx, p, size, c, plan, canvas.Rect.Size(), func(r image.Rectangle, crop image.Point) (float64, float64) {
			return imaging.SmartFocus(canvas, r, crop)
		})
		return err
	}
	if p.OneFrame {
		var canvas *image.RGBA
		for range p.Frame + 1 {
			canvas = comp.Next()
		}
		if err := smart(canvas); err != nil {
			return nil, err
		}
		m, err := frame(canvas)
		if err != nil {
			return nil, err
		}
		return encodeDerived(ctx, m, p)
	}
	// Frames are composed in order (each draws on the one before), and
	// transformed side by side on up to frameWorkers goroutines, each
	// from a copy of its canvas in one of frameWorkers buffers, reused
	// (Transform never returns its source; animationBytes counts them).
	frames := make([]*image.RGBA, len(d.Anim.Frames))
	errs := make([]error, len(frames))
	buffers := make(chan *image.RGBA, frameWorkers())
	for range cap(buffers) {
		buffers <- nil // made when first needed
	}
	first := comp.Next()
	if err := smart(first); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for i := range frames {
		buf := <-buffers
		if ctx.Err() != nil {
			break
		}
		canvas := first
		if i > 0 {
			canvas = comp.Next()
		}
		if buf == nil {
			buf = image.NewRGBA(canvas.Rect)
		}
		copy(buf.Pix, canvas.Pix)
		wg.Add(1)
		go func() {
			defer wg.Done()
			frames[i], errs[i] = frame(buf)
			buffers <- buf
		}()
	}
	wg.Wait()
	if err := cmp.Or(ctx.Err(), errors.Join(errs...)); err != nil {
		return nil, err
	}
	if p.Palette.On() {
		_, span := tracing.Start(ctx, "palette", attribute.Int("pngd.colors", p.Palette.Colors), attribute.Int("pngd.frames", len(frames)))
		png, err := imaging.EncodePaletteAnimation(ctx, d.Anim, frames, p.Palette)
		tracing.End(span, err)
		return png, err
	}
	_, span := tracing.Start(ctx, "encode", attribute.String("pngd.mode", "fast"), attribute.Int("pngd.frames", len(frames)))
	png, err := imaging.EncodeAnimationSRGB(imaging.DerivedAnimation(d.Anim, frames))
	tracing.End(span, err)
	if err != nil {
		return nil, fmt.Errorf("encoding a derived animation: %w", err)
	}
	return png, nil
}
