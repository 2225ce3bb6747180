package httpapi

import (
	"context"
	"net/http"

	"github.com/pngd/pngd/gen"
)

// HEAD is declared in the spec, so that generated clients can call it, and
// answered by the GET handler: the same status and headers, computed the
// same way, by construction. noteHead has marked the context, so the GET
// handler opens no body and ignores Range; net/http discards whatever body
// a HEAD response is given.

// HeadVectorImage answers as GetVectorImage would, without the body.
func (s *Server) HeadVectorImage(ctx context.Context, req gen.HeadVectorImageRequestObject) (gen.HeadVectorImageResponseObject, error) {
	resp, err := s.GetVectorImage(ctx, gen.GetVectorImageRequestObject{Params: gen.GetVectorImageParams(req.Params)})
	if resp == nil {
		return nil, err
	}
	return headOf[gen.GetVectorImageResponseObject]{resp, gen.GetVectorImageResponseObject.VisitGetVectorImageResponse}, err
}

// HeadImage answers as GetImage would, without the body.
func (s *Server) HeadImage(ctx context.Context, req gen.HeadImageRequestObject) (gen.HeadImageResponseObject, error) {
	resp, err := s.GetImage(ctx, gen.GetImageRequestObject{Id: req.Id, Params: gen.GetImageParams(req.Params)})
	if resp == nil {
		return nil, err
	}
	return headOf[gen.GetImageResponseObject]{resp, gen.GetImageResponseObject.VisitGetImageResponse}, err
}

// headOf writes a GET response object as the answer to HEAD.
// Get is exported so that withInstance can reach the Problem inside.
type headOf[R any] struct {
	Get   R
	visit func(R, http.ResponseWriter) error
}

func (h headOf[R]) VisitHeadVectorImageResponse(w http.ResponseWriter) error {
	return h.visit(h.Get, w)
}
func (h headOf[R]) VisitHeadImageResponse(w http.ResponseWriter) error { return h.visit(h.Get, w) }
