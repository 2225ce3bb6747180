package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/pngd/pngd/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"math"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/render"
)

// The spec's defaults for /vector_image; TestSpecDefaults holds them equal.
const (
	defaultSide          = 256
	defaultColormap      = gen.Viridis
	defaultInterpolation = gen.Nearest
)

// vectorParams is what GET and POST /vector_image have in common.
type vectorParams struct {
	values                    []float64
	rows, cols, width, height *int
	colormap                  *gen.Colormap
	min, max                  *float64
	interpolation             *gen.Interpolation
}

func (p vectorParams) spec() render.Spec {
	s := render.Spec{
		Values: p.values, Rows: deref(p.rows, 0), Cols: deref(p.cols, 0),
		Width: deref(p.width, defaultSide), Height: deref(p.height, defaultSide),
		Colormap: string(deref(p.colormap, defaultColormap)),
		Min:      p.min, Max: p.max,
	}
	if deref(p.interpolation, defaultInterpolation) == gen.Bilinear {
		s.Interpolation = render.Bilinear
	}
	return s
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// GetVectorImage renders values from the query. A matching If-None-Match
// gets 304 before anything is drawn.
func (s *Server) GetVectorImage(ctx context.Context, req gen.GetVectorImageRequestObject) (gen.GetVectorImageResponseObject, error) {
	q := req.Params
	// The spec gate refuses NaN and Infinity in the query already; render
	// would take a NaN for a missing value, so refuse it here too.
	for i, v := range q.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return gen.GetVectorImage400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badRequest(fmt.Sprintf("values[%d] is %v; values must be finite numbers", i, v))}, nil
		}
	}
	plan, err := render.NewPlan(vectorParams{q.Values, q.Rows, q.Cols, q.Width, q.Height, q.Colormap, q.Min, q.Max, q.Interpolation}.spec())
	if inv := (*render.InvalidError)(nil); errors.As(err, &inv) {
		return gen.GetVectorImage400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badRequest(inv.Msg)}, nil
	} else if err != nil {
		return nil, err
	}
	etag := plan.ETag()
	if q.IfNoneMatch != nil && noneMatch(*q.IfNoneMatch, etag) {
		return gen.GetVectorImage304Response{Headers: gen.GetVectorImage304ResponseHeaders{ETag: etag, CacheControl: immutable}}, nil
	}
	body, err := s.draw(ctx, plan)
	if err != nil {
		return nil, err
	}
	return gen.GetVectorImage200ImagepngResponse{
		Body: body, ContentLength: body.size(),
		Headers: gen.GetVectorImage200ResponseHeaders{ETag: etag, CacheControl: immutable},
	}, nil
}

// RenderVectorImage renders values from a JSON body; null values are drawn
// transparent.
// The spec gate has decoded the body as it streamed in (streamedVector);
// a request that did not pass through it brings the generated binding's.
func (s *Server) RenderVectorImage(ctx context.Context, req gen.RenderVectorImageRequestObject) (gen.RenderVectorImageResponseObject, error) {
	b := streamedVector(ctx)
	if b == nil {
		b = bindVectorBody(req.Body)
	}
	plan, err := render.NewPlan(vectorParams{b.values, b.rows, b.cols, b.width, b.height, b.colormap, b.min, b.max, b.interpolation}.spec())
	if inv := (*render.InvalidError)(nil); errors.As(err, &inv) {
		return gen.RenderVectorImage400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badRequest(inv.Msg)}, nil
	} else if err != nil {
		return nil, err
	}
	body, err := s.draw(ctx, plan)
	if err != nil {
		return nil, err
	}
	return gen.RenderVectorImage200ImagepngResponse{
		Body: body, ContentLength: body.size(),
		Headers: gen.RenderVectorImage200ResponseHeaders{ETag: plan.ETag()},
	}, nil
}

// bindVectorBody converts the generated binding's body; null values become
// NaN, render's mark for "missing".
func bindVectorBody(b *gen.RenderVectorImageJSONRequestBody) *vectorBody {
	values := make([]float64, len(b.Values))
	for i, v := range b.Values {
		if v == nil {
			values[i] = math.NaN()
		} else {
			values[i] = *v
		}
	}
	return &vectorBody{values, b.Rows, b.Cols, b.Width, b.Height, b.Colormap, b.Min, b.Max, b.Interpolation}
}

func badRequest(detail string) gen.BadRequestApplicationProblemPlusJSONResponse {
	return gen.BadRequestApplicationProblemPlusJSONResponse(problem(400, detail))
}

// draw renders and encodes a plan, once a render slot and the bytes it
// takes (Plan.Bytes) are free.
func (s *Server) draw(ctx context.Context, plan *render.Plan) (*pooledBody, error) {
	t, err := s.renders.Admit(ctx, plan.Bytes())
	if err != nil {
		return nil, err
	}
	rctx, span := tracing.Start(ctx, "render")
	img, err := plan.Render(rctx)
	tracing.End(span, err)
	if err != nil {
		t.Done()
		return nil, err
	}
	_, span = tracing.Start(ctx, "encode", attribute.String("pngd.mode", "fast"))
	buf, err := s.encode(img)
	tracing.End(span, err)
	render.Recycle(img)
	if err != nil {
		t.Done()
		return nil, fmt.Errorf("encoding PNG: %w", err)
	}
	t.Keep(int64(buf.Cap())) // until the bytes are sent
	return &pooledBody{Reader: bytes.NewReader(buf.Bytes()), buf: buf, ticket: t}, nil
}

// pooledBody is an encoded image on its way out. The generated response
// writer closes it after the copy, which hands the buffer back to the pool
// and its bytes back to the memory budget.
type pooledBody struct {
	*bytes.Reader
	buf    *bytes.Buffer
	ticket *admit.Ticket
}

func (b *pooledBody) size() int64 { return b.Reader.Size() }

func (b *pooledBody) Close() error {
	imaging.ReleaseBuffer(b.buf)
	b.ticket.Done()
	return nil
}
