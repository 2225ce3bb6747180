package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/library"
)

// defaultListLimit is the spec's default for GET /images?limit.
const defaultListLimit = 100

func imageURL(id string) string { return "/images/" + id }

// created is an image's creation time as every answer gives it: UTC, in
// whole seconds, as Last-Modified has it and S3 keeps it (local disk keeps
// nanoseconds, which would make the same image's time differ by answer and
// by store).
func created(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func imageJSON(im library.Image) gen.Image {
	out := gen.Image{Id: im.ID, Width: im.Width, Height: im.Height, Size: im.Size, Etag: im.ETag(), Created: created(im.Created), Url: imageURL(im.ID)}
	if a := im.Animation; a != nil {
		out.Animation = &gen.Animation{Frames: a.Frames, DurationMs: a.Duration.Milliseconds(), Loops: a.Loops}
	}
	if c := im.Colour; c != nil {
		out.Colour = &gen.Colour{Space: gen.ColourSpace(c.Space), Profile: c.Profile, Embedded: c.Embedded}
		if c.HDR != "" {
			hdr := gen.ColourHdr(c.HDR)
			out.Colour.Hdr = &hdr
		}
	}
	if p := im.Placeholder; p != nil {
		thumb, _ := base64.StdEncoding.DecodeString(p.ThumbHash) // the spec's format: byte, which the JSON encoder writes back as base64
		out.Placeholder = &gen.Placeholder{Blurhash: p.BlurHash, Thumbhash: thumb, Average: p.Average, Dominant: p.Dominant, Palette: p.Palette, DataUrl: p.DataURL}
	}
	return out
}

// UploadImage stores an uploaded image as PNG. The spec gate has not read
// the body: it is read here, once, whole, after an upload slot (bounded
// queue and wait) and the bytes it will take are admitted. Decoding is
// then admitted on the cost its header declares, before any pixel is
// decoded.
func (s *Server) UploadImage(ctx context.Context, req gen.UploadImageRequestObject) (gen.UploadImageResponseObject, error) {
	if err := s.uploads.Enter(ctx); err != nil {
		return nil, err
	}
	defer s.uploads.Leave()

	length := bodyLength(ctx)
	reserve := length
	if reserve <= 0 || req.MultipartBody != nil {
		reserve = s.cfg.MaxUploadBytes
	}
	reserve += bytes.MinRead
	if err := s.memory.Reserve(ctx, reserve); admit.IsTooLarge(err) {
		return gen.UploadImage413ApplicationProblemPlusJSONResponse{PayloadTooLargeApplicationProblemPlusJSONResponse: gen.PayloadTooLargeApplicationProblemPlusJSONResponse(problem(413,
			fmt.Sprintf("an upload of %d bytes is more than this server's memory budget holds; send at most %d bytes", length, s.memory.Size()/2)))}, nil
	} else if err != nil {
		return nil, err
	}
	defer s.memory.Release(reserve)

	data, err := readUpload(req, length)
	var tooBig *http.MaxBytesError
	var bad *bodyError
	switch {
	case errors.As(err, &tooBig):
		return gen.UploadImage413ApplicationProblemPlusJSONResponse{PayloadTooLargeApplicationProblemPlusJSONResponse: gen.PayloadTooLargeApplicationProblemPlusJSONResponse(problem(413, tooLarge(tooBig.Limit)))}, nil
	case errors.As(err, &bad):
		return gen.UploadImage400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badRequest(bad.detail)}, nil
	case err != nil:
		return nil, err // a slow body: the error handler answers 408
	case len(data) == 0:
		return gen.UploadImage400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badRequest("the request body is empty; send the image's bytes")}, nil
	}

	p, t, err := s.prepare(ctx, data)
	var tooMany *imaging.TooManyPixelsError
	var scans *imaging.TooManyScansError
	var frames *imaging.TooManyFramesError
	var corrupt *imaging.CorruptError
	switch {
	case errors.Is(err, imaging.ErrHEICDisabled):
		return gen.UploadImage415ApplicationProblemPlusJSONResponse{UnsupportedMediaTypeApplicationProblemPlusJSONResponse: gen.UnsupportedMediaTypeApplicationProblemPlusJSONResponse(problem(415,
			"the body is a HEIC image, which this server does not decode: its operator has not enabled HEIC (pngd -heic; the README says why it is off by default). Convert it to JPEG, PNG or AVIF first"))}, nil
	case errors.Is(err, imaging.ErrUnknownFormat):
		return gen.UploadImage415ApplicationProblemPlusJSONResponse{UnsupportedMediaTypeApplicationProblemPlusJSONResponse: gen.UnsupportedMediaTypeApplicationProblemPlusJSONResponse(problem(415,
			fmt.Sprintf("the body's bytes are not %s, whatever its Content-Type (%s) says", imaging.Formats, quoted(req.ContentType))))}, nil
	case errors.As(err, &tooMany), errors.As(err, &scans), errors.As(err, &frames):
		return unprocessable(err.Error()), nil
	case errors.As(err, &corrupt):
		s.cfg.Logger.InfoContext(ctx, "upload does not decode", "err", err)
		return unprocessable(corrupt.Detail()), nil
	case admit.IsTooLarge(err):
		return unprocessable(fmt.Sprintf("decoding this image takes more memory than this server's budget allows (%s)", tooLargeFor(err))), nil
	case err != nil:
		return nil, err
	}
	defer t.Done()
	if len(p.Dropped) > 0 {
		s.cfg.Logger.InfoContext(ctx, "the upload's damaged ancillary chunks were dropped (CRC errors)", "chunks", p.Dropped)
	}
	if p.ProfileErr != nil {
		s.cfg.Logger.InfoContext(ctx, "the upload's ICC profile was not kept; stored as sRGB", "err", p.ProfileErr)
	}

	im, created, err := s.lib.Save(ctx, p)
	if err != nil {
		return nil, err
	}
	body := imageJSON(im)
	if created {
		return gen.UploadImage201JSONResponse{Body: body, Headers: gen.UploadImage201ResponseHeaders{Location: body.Url, ETag: body.Etag}}, nil
	}
	return gen.UploadImage200JSONResponse{Body: body, Headers: gen.UploadImage200ResponseHeaders{Location: body.Url, ETag: body.Etag}}, nil
}

func unprocessable(detail string) gen.UploadImage422ApplicationProblemPlusJSONResponse {
	return gen.UploadImage422ApplicationProblemPlusJSONResponse{UnprocessableImageApplicationProblemPlusJSONResponse: gen.UnprocessableImageApplicationProblemPlusJSONResponse(problem(422, detail))}
}

// readUpload reads the image from the body, or from the form's file field.
// Its errors describe what was wrong with the request, except
// *http.MaxBytesError.
func readUpload(req gen.UploadImageRequestObject, length int64) ([]byte, error) {
	if req.MultipartBody == nil {
		return readBody(req.Body, length)
	}
	for {
		part, err := req.MultipartBody.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, &bodyError{`the multipart/form-data body has no "file" field`, io.EOF}
		}
		if err != nil {
			return nil, readError(err)
		}
		if part.FormName() == "file" {
			return readBody(part, length)
		}
	}
}

// readBody reads r whole. A declared length (which the spec gate has held
// to the limit) sizes the buffer once, so that a large upload is not copied
// through doubling buffers.
func readBody(r io.Reader, length int64) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	if length > 0 {
		buf.Grow(int(length) + bytes.MinRead) // room to see EOF without growing
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, readError(err)
	}
	return buf.Bytes(), nil
}

// bodyError is a request body that is malformed: its detail is for the
// client, the error for the log.
type bodyError struct {
	detail string
	err    error
}

func (e *bodyError) Error() string { return e.detail + ": " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// readError classifies an error reading a body: too large and too slow
// pass through (413 and 408), a malformed multipart body is a *bodyError
// (400), and anything else (a connection that broke) passes through too.
func readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, errTooSlow) {
		return err
	}
	if errors.Is(err, os.ErrDeadlineExceeded) { // -read-timeout
		return errTooSlow
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "multipart") {
		return &bodyError{"the multipart/form-data body is malformed or ends early; send one part named \"file\" with the image's bytes", err}
	}
	return err
}

// prepare decodes and re-encodes an upload once a render slot and the
// bytes its header says decoding takes are free. It returns the ticket,
// still holding the encoded PNG's bytes until the caller's Done.
func (s *Server) prepare(ctx context.Context, data []byte) (*library.Prepared, *admit.Ticket, error) {
	lim := s.decodeLimits()
	h, err := imaging.ReadHeader(data, lim)
	if err != nil {
		return nil, nil, err
	}
	pyramid := library.PyramidBytes(h.Width, h.Height)
	if h.Animated() {
		pyramid = 0 // animations have none
	}
	t, err := s.renders.Admit(ctx, h.PrepareBytes()+pyramid)
	if err != nil {
		return nil, nil, err
	}
	p, err := library.Prepare(ctx, data, lim)
	if err != nil {
		t.Done()
		return nil, nil, err
	}
	t.Keep(p.Bytes())
	return p, t, nil
}

func (s *Server) decodeLimits() imaging.Limits {
	return imaging.Limits{MaxPixels: s.cfg.MaxSourcePixels, MaxScans: s.cfg.MaxJPEGScans, MaxFrames: s.cfg.MaxFrames, MaxFramePixels: s.cfg.MaxFramePixels, HEIC: s.cfg.HEIC}
}

// GetImage serves a stored PNG as a file server serves a file (RFC 9110):
// preconditions in the order of §13.2.2, then one byte range. The body is
// the store's reader, which on local disk goes out through sendfile(2).
// Transform parameters make it a derived image instead (derived.go), with
// the same semantics over bytes in memory.
func (s *Server) GetImage(ctx context.Context, req gen.GetImageRequestObject) (gen.GetImageResponseObject, error) {
	q := req.Params
	presetOnly := false
	if q.Preset != nil {
		p, ok := s.presets[*q.Preset]
		if !ok {
			return gen.GetImage400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badRequest(s.unknownPreset(*q.Preset))}, nil
		}
		presetOnly = !hasTransform(q)
		q = withPreset(q, p)
		req.Params = q
	}
	if p, ok := transform(q); ok {
		return s.getDerived(ctx, req, s.withDefaultQuality(p, q), presetOnly)
	}
	if !isHead(ctx) && q.Range == nil && q.IfNoneMatch == nil && q.IfModifiedSince == nil {
		return s.getWholeImage(ctx, req.Id)
	}
	im, err := s.lib.Stat(ctx, req.Id)
	if errors.Is(err, library.ErrNotFound) {
		return gen.GetImage404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(req.Id)}, nil
	}
	if err != nil {
		return nil, err
	}
	return s.serveImage(ctx, q, representation{id: req.Id, etag: im.ETag(), modified: im.Created, size: im.Size},
		func(r byteRange) (io.Reader, error) { return s.lib.Open(ctx, req.Id, r.start, r.length) })
}

// representation is what the HTTP rules need to know of an image before
// its bytes are read.
type representation struct {
	id       string
	etag     string
	modified time.Time
	size     int64
}

// serveImage answers a GET or HEAD of an image: 304 when a precondition
// says so, 416 for a range beyond its end, else 206 or 200 with the bytes
// open returns. open gets the range to send and may return
// library.ErrNotFound.
func (s *Server) serveImage(ctx context.Context, q gen.GetImageParams, rep representation, open func(byteRange) (io.Reader, error)) (gen.GetImageResponseObject, error) {
	lastModified := rep.modified.UTC().Format(http.TimeFormat)

	// §13.2.2: If-None-Match, or If-Modified-Since when it is absent.
	if (q.IfNoneMatch != nil && noneMatch(*q.IfNoneMatch, rep.etag)) || (q.IfNoneMatch == nil && notModifiedSince(q.IfModifiedSince, rep.modified)) {
		return gen.GetImage304Response{Headers: gen.GetImage304ResponseHeaders{ETag: rep.etag, CacheControl: immutable, LastModified: lastModified}}, nil
	}

	// §14.2: Range is defined for GET only; HEAD ignores it.
	whole := byteRange{0, rep.size}
	r, outcome := whole, rangeIgnored
	if q.Range != nil && !isHead(ctx) && ifRangeHolds(q.IfRange, rep.etag, rep.modified) {
		r, outcome = parseRange(*q.Range, rep.size)
	}
	switch outcome {
	case rangeUnsatisfiable:
		return gen.GetImage416ApplicationProblemPlusJSONResponse{
			Body:    problem(http.StatusRequestedRangeNotSatisfiable, fmt.Sprintf("the image is %d bytes; no part of the range %s lies within them", rep.size, quoted(*q.Range))),
			Headers: gen.GetImage416ResponseHeaders{ContentRange: fmt.Sprintf("bytes */%d", rep.size)},
		}, nil
	case rangeIgnored:
		r = whole
	}

	var body io.Reader = http.NoBody // HEAD: the headers GET would send
	if !isHead(ctx) {
		f, err := open(r)
		if errors.Is(err, library.ErrNotFound) { // deleted since the caller looked
			return gen.GetImage404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(rep.id)}, nil
		}
		if err != nil {
			return nil, err
		}
		body = f
	}
	if outcome == rangeOne {
		return gen.GetImage206ImagepngResponse{Body: body, ContentLength: r.length, Headers: gen.GetImage206ResponseHeaders{
			ContentRange: r.contentRange(rep.size), ETag: rep.etag, CacheControl: immutable, LastModified: lastModified, AcceptRanges: "bytes",
		}}, nil
	}
	return gen.GetImage200ImagepngResponse{Body: body, ContentLength: rep.size, Headers: gen.GetImage200ResponseHeaders{
		ETag: rep.etag, CacheControl: immutable, LastModified: lastModified, AcceptRanges: "bytes",
	}}, nil
}

// getWholeImage answers the common case, a plain GET, with one store call:
// the open object says its own size and time.
func (s *Server) getWholeImage(ctx context.Context, id string) (gen.GetImageResponseObject, error) {
	im := library.Image{ID: id}
	// A small original comes from memory (library.SmallOriginal).
	png, created, ok, err := s.lib.SmallOriginal(ctx, id)
	switch {
	case errors.Is(err, library.ErrNotFound):
		return gen.GetImage404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(id)}, nil
	case err != nil:
		return nil, err
	case ok:
		return gen.GetImage200ImagepngResponse{Body: bytes.NewReader(png), ContentLength: int64(len(png)), Headers: gen.GetImage200ResponseHeaders{
			ETag: im.ETag(), CacheControl: immutable, LastModified: created.UTC().Format(http.TimeFormat), AcceptRanges: "bytes",
		}}, nil
	}
	f, err := s.lib.Open(ctx, id, 0, -1)
	if errors.Is(err, library.ErrNotFound) {
		return gen.GetImage404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(id)}, nil
	}
	if err != nil {
		return nil, err
	}
	return gen.GetImage200ImagepngResponse{Body: f, ContentLength: f.Size(), Headers: gen.GetImage200ResponseHeaders{
		ETag: im.ETag(), CacheControl: immutable, LastModified: f.ModTime().UTC().Format(http.TimeFormat), AcceptRanges: "bytes",
	}}, nil
}

func (s *Server) unknownPreset(name string) string {
	if len(s.presets) == 0 {
		return fmt.Sprintf("query parameter \"preset\": this server has no presets, so none is named %s", quoted(name))
	}
	return fmt.Sprintf("query parameter \"preset\": no preset is named %s; this server has %s", quoted(name), strings.Join(slices.Sorted(maps.Keys(s.presets)), ", "))
}

func notFound(id string) gen.NotFoundApplicationProblemPlusJSONResponse {
	return gen.NotFoundApplicationProblemPlusJSONResponse(problem(http.StatusNotFound, fmt.Sprintf("no image has the id %s", id)))
}

// GetImageInfo describes a stored image.
func (s *Server) GetImageInfo(ctx context.Context, req gen.GetImageInfoRequestObject) (gen.GetImageInfoResponseObject, error) {
	im, err := s.lib.Info(ctx, req.Id)
	if errors.Is(err, library.ErrNotFound) {
		return gen.GetImageInfo404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(req.Id)}, nil
	}
	if err != nil {
		return nil, err
	}
	return gen.GetImageInfo200JSONResponse(imageJSON(im)), nil
}

// DeleteImage removes a stored image.
func (s *Server) DeleteImage(ctx context.Context, req gen.DeleteImageRequestObject) (gen.DeleteImageResponseObject, error) {
	err := s.lib.Delete(ctx, req.Id)
	if errors.Is(err, library.ErrNotFound) {
		return gen.DeleteImage404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(req.Id)}, nil
	}
	if err != nil {
		return nil, err
	}
	return gen.DeleteImage204Response{}, nil
}

// ListImages lists stored images a page at a time.
func (s *Server) ListImages(ctx context.Context, req gen.ListImagesRequestObject) (gen.ListImagesResponseObject, error) {
	ims, next, err := s.lib.List(ctx, deref(req.Params.Cursor, ""), deref(req.Params.Limit, defaultListLimit))
	if errors.Is(err, library.ErrBadCursor) {
		return gen.ListImages400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badRequest("query parameter \"cursor\": " + err.Error())}, nil
	}
	if err != nil {
		return nil, err
	}
	list := gen.ListImages200JSONResponse{Items: make([]gen.ImageSummary, 0, len(ims))}
	for _, im := range ims {
		list.Items = append(list.Items, gen.ImageSummary{Id: im.ID, Size: im.Size, Created: created(im.Created), Url: imageURL(im.ID)})
	}
	if next != "" {
		list.Next = &next
	}
	return list, nil
}
