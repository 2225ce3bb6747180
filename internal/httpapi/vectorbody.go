package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/render"
)

// vectorBody is POST /vector_image's body (the spec's VectorImageRequest),
// decoded as it streams in: the values go straight into a []float64, 8
// bytes each, never into a tree of interfaces.
type vectorBody struct {
	values                    []float64 // NaN for null
	rows, cols, width, height *int
	colormap                  *gen.Colormap
	min, max                  *float64
	interpolation             *gen.Interpolation
}

// vectorBodyBytes is the most memory decoding a body of length bytes
// (-1: unknown) takes: 8 bytes a value, at most one value for every two
// bytes ("0,") and never more than the spec's maxItems, plus the
// decoder's buffer.
func vectorBodyBytes(length int64) int64 {
	n := int64(render.MaxValues)
	if length >= 0 {
		n = min(n, length/2+1)
	}
	return 8*n + 64<<10
}

// errSchema is a body that is valid JSON but breaks the schema; its text is
// the detail for the client.
type errSchema struct{ detail string }

func (e *errSchema) Error() string { return e.detail }

func schemaErr(at, format string, args ...any) error {
	where := "request body"
	if at != "" {
		where += " at /" + at
	}
	return &errSchema{where + ": " + fmt.Sprintf(format, args...)}
}

// decodeVectorBody reads r as a VectorImageRequest, token by token, and
// checks what the schema says: an object of the declared properties only,
// no property twice, values an array of 1 to 1,048,576 numbers or nulls,
// the sizes integers within their bounds, the names within their enums.
// TestVectorBodyMatchesSpec holds its verdicts equal to kin-openapi's
// validation of the spec. The errors are *errSchema, a
// *jsontext.SyntacticError (not JSON), or the reader's.
func decodeVectorBody(r io.Reader) (*vectorBody, error) {
	dec := jsontext.NewDecoder(r)
	tok, err := dec.ReadToken()
	if errors.Is(err, io.EOF) {
		return nil, &errSchema{"request body is required: send a JSON object with values"}
	}
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, schemaErr("", "value must be an object")
	}
	var b vectorBody
	seenValues := false
	for dec.PeekKind() != '}' {
		nameTok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		name := nameTok.String()
		switch name {
		case "values":
			seenValues = true
			if b.values, err = readValues(dec); err != nil {
				return nil, err
			}
		case "rows", "cols", "width", "height":
			hi := float64(render.MaxValues)
			if name == "width" || name == "height" {
				hi = render.MaxSide
			}
			v, err := readInt(dec, name, hi)
			if err != nil {
				return nil, err
			}
			switch name {
			case "rows":
				b.rows = &v
			case "cols":
				b.cols = &v
			case "width":
				b.width = &v
			case "height":
				b.height = &v
			}
		case "min", "max":
			v, err := readNumber(dec, name)
			if err != nil {
				return nil, err
			}
			if name == "min" {
				b.min = &v
			} else {
				b.max = &v
			}
		case "colormap":
			s, err := readString(dec, name)
			if err != nil {
				return nil, err
			}
			if c := gen.Colormap(s); !c.Valid() {
				return nil, schemaErr(name, "value is not one of the allowed values [viridis magma inferno plasma cividis turbo gray]")
			} else {
				b.colormap = &c
			}
		case "interpolation":
			s, err := readString(dec, name)
			if err != nil {
				return nil, err
			}
			if m := gen.Interpolation(s); !m.Valid() {
				return nil, schemaErr(name, "value is not one of the allowed values [nearest bilinear]")
			} else {
				b.interpolation = &m
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return nil, err
			}
			return nil, schemaErr("", "property %s is unsupported", quoted(name))
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return nil, err
	}
	// One JSON value, nothing after it.
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err == nil {
			return nil, &errSchema{"request body is not valid JSON: there is more after the object"}
		}
		return nil, err
	}
	if !seenValues {
		return nil, schemaErr("", `property "values" is missing`)
	}
	return &b, nil
}

func readValues(dec *jsontext.Decoder) ([]float64, error) {
	if k := dec.PeekKind(); k != '[' {
		if err := dec.SkipValue(); err != nil {
			return nil, err
		}
		return nil, schemaErr("values", "value must be an array")
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	var vals []float64
	for i := 0; dec.PeekKind() != ']'; i++ {
		if i >= render.MaxValues {
			// Read to the end so that a syntax error still wins, as it
			// does in a whole-body decode; the values are not kept.
			if err := skipRest(dec); err != nil {
				return nil, err
			}
			return nil, schemaErr("values", "maximum number of items is %d", render.MaxValues)
		}
		switch dec.PeekKind() {
		case 'n':
			if _, err := dec.ReadToken(); err != nil {
				return nil, err
			}
			vals = append(vals, math.NaN())
		case '0':
			v, err := parseNumber(dec)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		default:
			if err := dec.SkipValue(); err != nil {
				return nil, err
			}
			return nil, schemaErr("values/"+strconv.Itoa(i), "value must be a number")
		}
	}
	if _, err := dec.ReadToken(); err != nil { // ']'
		return nil, err
	}
	if len(vals) == 0 {
		return nil, schemaErr("values", "minimum number of items is 1")
	}
	return vals, nil
}

// skipRest skips the rest of the array the decoder is in, and its ']'.
func skipRest(dec *jsontext.Decoder) error {
	for dec.PeekKind() != ']' {
		if err := dec.SkipValue(); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// parseNumber reads a number token as a float64; one beyond a float64's
// range is refused, as the spec gate's decoder refuses it.
func parseNumber(dec *jsontext.Decoder) (float64, error) {
	raw, err := dec.ReadValue()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, &errSchema{fmt.Sprintf("request body: number %.40s does not fit in a 64-bit float", raw)}
	}
	return v, nil
}

func readNumber(dec *jsontext.Decoder, name string) (float64, error) {
	if dec.PeekKind() != '0' {
		if err := dec.SkipValue(); err != nil {
			return 0, err
		}
		return 0, schemaErr(name, "value must be a number")
	}
	return parseNumber(dec)
}

func readInt(dec *jsontext.Decoder, name string, hi float64) (int, error) {
	if dec.PeekKind() != '0' {
		if err := dec.SkipValue(); err != nil {
			return 0, err
		}
		return 0, schemaErr(name, "value must be an integer")
	}
	v, err := parseNumber(dec)
	switch {
	case err != nil:
		return 0, err
	case v != math.Trunc(v):
		return 0, schemaErr(name, "value must be an integer")
	case v < 1:
		return 0, schemaErr(name, "number must be at least 1")
	case v > hi:
		return 0, schemaErr(name, "number must be at most %g", hi)
	}
	return int(v), nil
}

func readString(dec *jsontext.Decoder, name string) (string, error) {
	if dec.PeekKind() != '"' {
		if err := dec.SkipValue(); err != nil {
			return "", err
		}
		return "", schemaErr(name, "value must be a string")
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return "", err
	}
	return tok.String(), nil
}

type vectorBodyKey struct{}

// streamedVector is the body the spec gate decoded for RenderVectorImage,
// or nil.
func streamedVector(ctx context.Context) *vectorBody {
	b, _ := ctx.Value(vectorBodyKey{}).(*vectorBody)
	return b
}

// decodedBody stands in for a body the spec gate has read and decoded
// itself: the generated binding (runtime.BindJSONBody) binds its empty
// validated value and reads nothing.
type decodedBody struct{ io.ReadCloser }

func (decodedBody) ValidatedValue() any { return map[string]any{} }

// readVectorBody admits, reads and checks POST /vector_image's body before
// the handler runs: the bytes its decoded values can take
// (vectorBodyBytes, from Content-Length) are reserved from the memory
// budget before the first byte is read, and held until the response is
// written. It answers the request itself (400, 408, 413, 503) and returns
// false when the body is not one to render.
func (g *specGate) readVectorBody(w http.ResponseWriter, r *http.Request, serve func(*http.Request)) {
	need := vectorBodyBytes(r.ContentLength)
	if err := g.memory.Reserve(r.Context(), need); err != nil {
		switch {
		case admit.IsTooLarge(err):
			writeProblem(w, r, http.StatusRequestEntityTooLarge, "this server's memory budget cannot hold a body of this size now or ever; send fewer values")
		case errors.Is(err, admit.ErrBusy):
			writeBusy(w, r, g.memory.RetryAfter())
		}
		return // or the client went away
	}
	defer g.memory.Release(need)
	b, err := decodeVectorBody(r.Body)
	var schema *errSchema
	var syntax *jsontext.SyntacticError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, tooLarge(tooBig.Limit))
	case errors.Is(err, errTooSlow):
		writeTooSlow(w, r, g.limits.rate.rate)
	case errors.As(err, &schema):
		writeProblem(w, r, http.StatusBadRequest, schema.detail)
	case errors.As(err, &syntax):
		writeProblem(w, r, http.StatusBadRequest, syntaxDetail("request body", syntax))
	case err != nil:
		return // the connection broke: nobody to answer
	default:
		r.Body = decodedBody{r.Body}
		serve(r.WithContext(context.WithValue(r.Context(), vectorBodyKey{}, b)))
	}
}
