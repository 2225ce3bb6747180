package contract

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Rules lists where doc breaks pngd's house rules for its spec:
//   - every operation has an operationId, a summary and a tag;
//   - an image operation (one with an image/png 2xx) offers exactly one
//     media type, image/png, in every 2xx response with a body, and declares
//     400, 406 and 500, the errors its middleware can give;
//   - an operation with a request body declares 413 and 415;
//   - every 4xx, 5xx and default response is application/problem+json only,
//     except HEAD's, which have no body and so declare none.
func Rules(doc *openapi3.T) []string {
	var broken []string
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			name := fmt.Sprintf("%s %s", method, path)
			fail := func(format string, args ...any) {
				broken = append(broken, name+": "+fmt.Sprintf(format, args...))
			}
			if op.OperationID == "" {
				fail("no operationId")
			}
			if op.Summary == "" {
				fail("no summary")
			}
			if len(op.Tags) == 0 {
				fail("no tag")
			}
			responses := op.Responses.Map()
			image := false
			for code, ref := range responses {
				if strings.HasPrefix(code, "2") && ref.Value.Content.Get("image/png") != nil {
					image = true
				}
			}
			for code, ref := range responses {
				types := slices.Sorted(maps.Keys(ref.Value.Content))
				switch {
				case image && strings.HasPrefix(code, "2") && len(types) > 0:
					if !slices.Equal(types, []string{"image/png"}) {
						fail("%s offers %v; an image operation's success is image/png alone", code, types)
					}
				case method == http.MethodHead:
					if len(types) > 0 {
						fail("%s offers %v; a HEAD response has no body", code, types)
					}
				case code == "default" || code[0] == '4' || code[0] == '5':
					if !slices.Equal(types, []string{"application/problem+json"}) {
						fail("%s offers %v; errors are application/problem+json alone", code, types)
					}
				}
			}
			var must []int
			if image {
				must = append(must, http.StatusBadRequest, http.StatusNotAcceptable, http.StatusInternalServerError)
			}
			if op.RequestBody != nil {
				must = append(must, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
			}
			for _, status := range must {
				if op.Responses.Status(status) == nil {
					fail("does not declare %d", status)
				}
			}
		}
	}
	slices.Sort(broken)
	return broken
}
