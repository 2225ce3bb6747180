package httpapi

import (
	"mime"
	"strconv"
	"strings"
)

// acceptsPNG reports whether the Accept field values allow image/png
// (RFC 9110 §12.5.1). No Accept field, or an empty one, means anything is
// acceptable (§12.5.1: "a request without any Accept header field implies
// that the user agent will accept any media type"; an empty value states
// no preference either). The most specific matching range decides, so
// "image/png;q=0, */*" refuses PNG.
func acceptsPNG(values []string) bool {
	if strings.TrimSpace(strings.Join(values, "")) == "" {
		return true
	}
	best, bestQ := -1, 0.0 // specificity of the best match: 0 */*, 1 image/*, 2 image/png
	for _, v := range values {
		for _, rng := range strings.Split(v, ",") {
			if strings.TrimSpace(rng) == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(rng)
			if err != nil {
				continue
			}
			spec := -1
			switch mt {
			case "*/*":
				spec = 0
			case "image/*":
				spec = 1
			case "image/png":
				spec = 2
			}
			if spec <= best {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					q = f
				}
			}
			best, bestQ = spec, q
		}
	}
	return best >= 0 && bestQ > 0
}
