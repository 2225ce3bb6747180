package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/pngd/pngd/gen"
)

// GetMetrics answers with the metrics in Prometheus's text format, or 404
// when they are served on their own listener (Config.MetricsElsewhere).
func (s *Server) GetMetrics(ctx context.Context, _ gen.GetMetricsRequestObject) (gen.GetMetricsResponseObject, error) {
	if s.cfg.MetricsElsewhere {
		return gen.GetMetrics404ApplicationProblemPlusJSONResponse(problem(http.StatusNotFound, "this server serves its metrics on another listener (--metrics-addr), not here")), nil
	}
	text, err := s.metrics.Text()
	if err != nil {
		return nil, err
	}
	return metricsText(text), nil
}

// metricsText writes the text format with its version, as Prometheus asks
// (the generated response would send a bare text/plain), and an exact
// Content-Length.
type metricsText []byte

func (m metricsText) VisitGetMetricsResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(m)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(m)
	return err
}
