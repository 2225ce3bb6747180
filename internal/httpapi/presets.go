package httpapi

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/oapi-codegen/runtime"

	"github.com/pngd/pngd/gen"
)

// presetName is the spec's pattern for preset.
var presetName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// presets are the operator's named transforms, each checked against the
// spec as GetImage's query when the server starts, so that a preset that
// the API would refuse never reaches a request.
type presets map[string]gen.GetImageParams

// newPresets checks and binds defs (name → query, "w=256&h=256&fit=cover").
func newPresets(doc *openapi3.T, defs map[string]string) (presets, error) {
	if len(defs) == 0 {
		return nil, nil
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	out := presets{}
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		query := defs[name]
		if !presetName.MatchString(name) {
			return nil, fmt.Errorf("preset %q: a name is 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit", name)
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("preset %q: %q is not a query: %w", name, query, err)
		}
		for k := range q {
			if k == "preset" || k == "sig" || !slices.Contains(transformParams, k) {
				return nil, fmt.Errorf("preset %q: %q is not a transform parameter (%s)", name, k, strings.Join(transformParams, ", "))
			}
		}
		req := httptest.NewRequest(http.MethodGet, "/images/"+strings.Repeat("0", 64)+"?"+query, nil)
		route, params, err := router.FindRoute(req)
		if err != nil {
			return nil, err
		}
		opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
		if err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}); err != nil {
			return nil, fmt.Errorf("preset %q: %s", name, validationDetail(err))
		}
		p, err := bindTransform(q)
		if err != nil {
			return nil, fmt.Errorf("preset %q: %w", name, err)
		}
		out[name] = p
	}
	return out, nil
}

// transformParams are GetImage's query parameters that change the image.
var transformParams = []string{"w", "h", "fit", "gravity", "fx", "fy", "background", "trim", "radius", "overlay", "overlay_gravity", "overlay_scale", "overlay_opacity", "overlay_margin", "rotate", "flip", "grayscale", "blur", "dpr", "colors", "quality", "dither", "max_bytes"}

// bindTransform binds the transform parameters of q as the generated
// handler binds a request's.
func bindTransform(q url.Values) (gen.GetImageParams, error) {
	var p gen.GetImageParams
	bind := func(name, typ string, dst any) error {
		return runtime.BindQueryParameterWithOptions("form", true, false, name, q, dst, runtime.BindQueryParameterOptions{Type: typ})
	}
	for _, err := range []error{
		bind("w", "integer", &p.W), bind("h", "integer", &p.H), bind("fit", "string", &p.Fit),
		bind("gravity", "string", &p.Gravity), bind("rotate", "integer", &p.Rotate), bind("flip", "string", &p.Flip),
		bind("grayscale", "boolean", &p.Grayscale), bind("blur", "number", &p.Blur), bind("dpr", "number", &p.Dpr),
		bind("colors", "integer", &p.Colors), bind("quality", "integer", &p.Quality), bind("dither", "number", &p.Dither),
		bind("max_bytes", "integer", &p.MaxBytes), bind("fx", "number", &p.Fx), bind("fy", "number", &p.Fy),
		bind("background", "string", &p.Background), bind("trim", "number", &p.Trim), bind("radius", "integer", &p.Radius),
		bind("overlay", "string", &p.Overlay), bind("overlay_gravity", "string", &p.OverlayGravity), bind("overlay_scale", "number", &p.OverlayScale),
		bind("overlay_opacity", "number", &p.OverlayOpacity), bind("overlay_margin", "integer", &p.OverlayMargin),
	} {
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// hasTransform reports whether q sets any transform parameter itself.
func hasTransform(q gen.GetImageParams) bool {
	return q.W != nil || q.H != nil || q.Fit != nil || q.Gravity != nil || q.Rotate != nil ||
		q.Flip != nil || q.Grayscale != nil || q.Blur != nil || q.Dpr != nil || q.Frame != nil || q.Depth != nil || q.Hdr != nil ||
		q.Colors != nil || q.Quality != nil || q.Dither != nil || q.MaxBytes != nil ||
		q.Fx != nil || q.Fy != nil || q.Background != nil || q.Trim != nil || q.Radius != nil || q.Overlay != nil
}

// withPreset fills q's unset transform parameters from preset p.
func withPreset(q, p gen.GetImageParams) gen.GetImageParams {
	fill(&q.W, p.W)
	fill(&q.H, p.H)
	fill(&q.Fit, p.Fit)
	fill(&q.Gravity, p.Gravity)
	fill(&q.Rotate, p.Rotate)
	fill(&q.Flip, p.Flip)
	fill(&q.Grayscale, p.Grayscale)
	fill(&q.Blur, p.Blur)
	fill(&q.Dpr, p.Dpr)
	if q.Fx == nil && q.Fy == nil { // a focal point comes whole
		q.Fx, q.Fy = p.Fx, p.Fy
	}
	fill(&q.Background, p.Background)
	fill(&q.Trim, p.Trim)
	fill(&q.Radius, p.Radius)
	if q.Overlay == nil { // an overlay comes whole, with its placement
		q.Overlay, q.OverlayGravity, q.OverlayScale, q.OverlayOpacity, q.OverlayMargin = p.Overlay, p.OverlayGravity, p.OverlayScale, p.OverlayOpacity, p.OverlayMargin
	}
	// A preset's palette comes whole, or not at all when the request
	// chose its own.
	if q.Colors == nil && q.Quality == nil && q.MaxBytes == nil {
		q.Colors, q.Quality, q.MaxBytes = p.Colors, p.Quality, p.MaxBytes
	}
	fill(&q.Dither, p.Dither)
	return q
}

// fill sets *dst to src when it is unset.
func fill[T any](dst **T, src *T) {
	if *dst == nil {
		*dst = src
	}
}
