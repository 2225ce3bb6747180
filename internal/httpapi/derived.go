package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/sign"
)

// transform turns GetImage's transform parameters into imaging.Params. ok
// is false when none is given. Their bounds are the spec's, which the spec
// gate has checked.
func transform(q gen.GetImageParams) (p imaging.Params, ok bool) {
	ok = hasTransform(q)
	dpr := deref(q.Dpr, 1)
	if q.W != nil {
		p.W = int(math.Round(float64(*q.W) * dpr))
	}
	if q.H != nil {
		p.H = int(math.Round(float64(*q.H) * dpr))
	}
	p.Fit = imaging.Fit(deref(q.Fit, gen.Fit(imaging.Contain)))
	p.Gravity = imaging.Gravity(deref(q.Gravity, gen.Gravity(imaging.Center)))
	p.Rotate = int(deref(q.Rotate, 0))
	switch deref(q.Flip, gen.FlipNone) {
	case gen.FlipH:
		p.FlipH = true
	case gen.FlipV:
		p.FlipV = true
	case gen.FlipHv:
		p.FlipH, p.FlipV = true, true
	}
	p.Grayscale = deref(q.Grayscale, false)
	p.Blur = deref(q.Blur, 0)
	if q.Frame != nil {
		p.Frame, p.OneFrame = *q.Frame, true
	}
	p.Depth8 = deref(q.Depth, gen.N16) == gen.N8
	p.KeepHDR = deref(q.Hdr, gen.Sdr) == gen.Keep
	p.Palette.Colors = deref(q.Colors, 0)
	if q.Quality != nil {
		p.Palette.Quality, p.Palette.HasQuality = *q.Quality, true
	}
	if q.Dither != nil {
		p.Palette.Dither, p.Palette.DitherSet = *q.Dither, true
	}
	p.Palette.MaxBytes = deref(q.MaxBytes, 0)
	if q.Fx != nil || q.Fy != nil { // one alone stands with the other at the centre
		p.FX, p.FY, p.Focal = deref(q.Fx, 0.5), deref(q.Fy, 0.5), true
	}
	if q.Background != nil {
		p.Background, p.HasBackground = parseColour(*q.Background), true
	}
	if q.Trim != nil {
		p.Trim, p.DoTrim = *q.Trim, true
	}
	p.Radius = deref(q.Radius, 0)
	if q.Overlay != nil {
		p.Overlay = imaging.Overlay{ID: *q.Overlay, Gravity: imaging.Gravity(deref(q.OverlayGravity, gen.OverlayGravitySoutheast)),
			Scale: deref(q.OverlayScale, imaging.DefaultOverlayScale), Margin: deref(q.OverlayMargin, 0)}
		if q.OverlayOpacity != nil {
			p.Overlay.Opacity, p.Overlay.OpacitySet = *q.OverlayOpacity, true
		}
	}
	return p, ok
}

// parseColour reads RRGGBB or RRGGBBAA, which the spec gate has checked.
func parseColour(s string) color.NRGBA {
	v, _ := strconv.ParseUint(s, 16, 32)
	if len(s) == 6 {
		v = v<<8 | 0xff
	}
	return color.NRGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(v)}
}

// withDefaultQuality gives p the server's -derived-quality when it is a
// derived image that asks for no palette step of its own.
func (s *Server) withDefaultQuality(p imaging.Params, q gen.GetImageParams) imaging.Params {
	if s.cfg.DerivedQuality > 0 && q.Colors == nil && q.Quality == nil && q.MaxBytes == nil && !p.KeepHDR {
		p.Palette.Quality, p.Palette.HasQuality = s.cfg.DerivedQuality, true
	}
	return p
}

// getDerived serves the image derived from a stored one by p: a resource of
// its own, with a strong ETag made from the source's id and p's canonical
// form, and the stored image's Last-Modified. Parameters that change
// nothing name the stored image itself.
//
// A signature is checked when the server signs URLs or serves only presets
// to unsigned requests, unless p restates the defaults (the original, which
// is public) or came from a preset alone (presetOnly).
func (s *Server) getDerived(ctx context.Context, req gen.GetImageRequestObject, p imaging.Params, presetOnly bool) (gen.GetImageResponseObject, error) {
	if p.OneFrame && p.Frame == 0 {
		// A still's only frame is the still itself.
		still, err := s.lib.Still(ctx, req.Id)
		if errors.Is(err, library.ErrNotFound) {
			return gen.GetImage404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(req.Id)}, nil
		}
		if err != nil {
			return nil, err
		}
		if still {
			p.OneFrame = false
		}
	}
	if p.Identity() { // the original itself, public: no signature needed
		params := req.Params
		params.W, params.H, params.Fit, params.Gravity, params.Rotate, params.Flip, params.Grayscale, params.Blur, params.Dpr, params.Sig, params.Preset, params.Frame, params.Depth = nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil
		params.Hdr, params.Colors, params.Quality, params.Dither, params.MaxBytes = nil, nil, nil, nil, nil
		params.Fx, params.Fy, params.Background, params.Trim, params.Radius = nil, nil, nil, nil, nil
		params.Overlay, params.OverlayGravity, params.OverlayScale, params.OverlayOpacity, params.OverlayMargin = nil, nil, nil, nil, nil
		return s.GetImage(ctx, gen.GetImageRequestObject{Id: req.Id, Params: params})
	}
	if !presetOnly && (s.cfg.SigningKey != nil || s.cfg.PresetsOnly) {
		u := requestURL(ctx)
		if s.cfg.SigningKey == nil || u == nil || !sign.Verify(s.cfg.SigningKey, u.EscapedPath(), u.RawQuery) {
			detail := "this server signs its image URLs: transform parameters need a sig that matches the path and query exactly (see `pngd sign`)"
			if s.cfg.PresetsOnly {
				detail = "this server serves only its presets (?preset=name) to unsigned requests: other transform parameters need a sig that matches the path and query exactly (see `pngd sign`)"
			}
			return gen.GetImage403ApplicationProblemPlusJSONResponse(problem(http.StatusForbidden, detail)), nil
		}
	}

	if p.KeepHDR && p.Palette.On() {
		return gen.GetImage400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badRequest(
			"query parameters \"hdr\" and \"colors\", \"quality\" or \"max_bytes\": an HDR image is kept at 16 bits with its cICP, and a palette holds 8-bit sRGB; ask for one or the other")}, nil
	}
	// The source must exist now, wherever its derived images are cached.
	im, err := s.lib.Stat(ctx, req.Id)
	if errors.Is(err, library.ErrNotFound) {
		return gen.GetImage404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(req.Id)}, nil
	}
	if err != nil {
		return nil, err
	}
	etag := library.DerivedETag(req.Id, p)
	q := req.Params
	if q.IfNoneMatch != nil && noneMatch(*q.IfNoneMatch, etag) { // no need to render
		return s.serveImage(ctx, q, representation{id: req.Id, etag: etag, modified: im.Created}, nil)
	}

	png, err := s.lib.Derive(ctx, req.Id, p)
	var tooLarge *imaging.OutputTooLargeError
	var frame *library.FrameError
	var animation *library.AnimationTooLargeError
	var budget *imaging.ByteBudgetError
	var overlay *library.OverlayNotFoundError
	switch {
	case errors.As(err, &tooLarge), errors.As(err, &frame), errors.As(err, &animation), errors.As(err, &budget), errors.As(err, &overlay):
		return gen.GetImage422ApplicationProblemPlusJSONResponse(problem(http.StatusUnprocessableEntity, err.Error())), nil
	case admit.IsTooLarge(err):
		return gen.GetImage422ApplicationProblemPlusJSONResponse(problem(http.StatusUnprocessableEntity,
			fmt.Sprintf("making this derived image takes more memory than this server's budget allows (%s); ask for a smaller size", tooLargeFor(err)))), nil
	case errors.Is(err, library.ErrNotFound): // deleted meanwhile
		return gen.GetImage404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(req.Id)}, nil
	case err != nil:
		return nil, err
	}
	return s.serveImage(ctx, q, representation{id: req.Id, etag: etag, modified: im.Created, size: int64(len(png))},
		func(r byteRange) (io.Reader, error) { return bytes.NewReader(png[r.start : r.start+r.length]), nil })
}
