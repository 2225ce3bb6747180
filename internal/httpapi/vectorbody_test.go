package httpapi

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"pgregory.net/rapid"
)

// kinVerdict validates body as POST /vector_image's against the spec, the
// way the spec gate validated every body before decodeVectorBody: the
// registered JSON decoder, then kin-openapi's schema check. It returns the
// decoded values when the body is valid.
func kinVerdict(body string) ([]any, error) {
	req := httptest.NewRequest(http.MethodPost, "/vector_image", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	route, params, err := specRouter.FindRoute(req)
	if err != nil {
		panic(err)
	}
	opts := &openapi3filter.Options{SkipSettingDefaults: true, KeepValidatedValue: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts})
	if err != nil {
		return nil, err
	}
	v := req.Body.(interface{ ValidatedValue() any }).ValidatedValue()
	vals, _ := v.(map[string]any)["values"].([]any)
	return vals, nil
}

var specRouter = func() routers.Router {
	doc, err := loadSpec()
	if err != nil {
		panic(err)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		panic(err)
	}
	return r
}()

// jsonValue draws a JSON value of any kind, biased towards the ones the
// schema cares about: numbers (integers, fractions, exponents, beyond a
// float64), null, and the names of the enums.
func jsonValue(t *rapid.T, depth int) string {
	kinds := []string{"int", "float", "exp", "huge", "null", "bool", "string", "enum"}
	if depth < 2 {
		kinds = append(kinds, "array", "object")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "int":
		return strconv.Itoa(rapid.IntRange(-5, 5000).Draw(t, "int"))
	case "float":
		return strconv.FormatFloat(rapid.Float64Range(-1e6, 1e6).Draw(t, "float"), 'g', -1, 64)
	case "exp":
		return rapid.SampledFrom([]string{"1e3", "4.096e3", "1E2", "2.0", "-0", "0.5e1", "1e-5", "4097.0", "1.0000000000000002"}).Draw(t, "exp")
	case "huge":
		return rapid.SampledFrom([]string{"1e999", "-1e400", "1" + strings.Repeat("0", 400), "1e308", "123456789012345678901234567890"}).Draw(t, "huge")
	case "null":
		return "null"
	case "bool":
		return rapid.SampledFrom([]string{"true", "false"}).Draw(t, "bool")
	case "string":
		return strconv.Quote(rapid.StringMatching(`[a-z0-9 ]{0,6}`).Draw(t, "str"))
	case "enum":
		return strconv.Quote(rapid.SampledFrom([]string{"viridis", "magma", "gray", "turbo", "nearest", "bilinear", "jet", "Viridis"}).Draw(t, "enum"))
	case "array":
		n := rapid.IntRange(0, 6).Draw(t, "n")
		parts := make([]string, n)
		for i := range parts {
			parts[i] = jsonValue(t, depth+1)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	n := rapid.IntRange(0, 3).Draw(t, "members")
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strconv.Quote(rapid.SampledFrom([]string{"a", "values", "width"}).Draw(t, "name")) + ":" + jsonValue(t, depth+1)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// vectorBodyDraw draws a body: mostly an object of the schema's properties
// (and others, and repeats) with values of every kind; sometimes then
// broken as an attacker would break it (cut short, a NaN, trailing bytes,
// another top-level value).
func vectorBodyDraw(t *rapid.T) string {
	names := []string{"values", "values", "rows", "cols", "width", "height", "colormap", "min", "max", "interpolation", "colourmap", ""}
	n := rapid.IntRange(0, 5).Draw(t, "members")
	var members []string
	for range n {
		name := rapid.SampledFrom(names).Draw(t, "name")
		var v string
		if name == "values" && rapid.IntRange(0, 3).Draw(t, "goodValues") > 0 {
			k := rapid.IntRange(0, 8).Draw(t, "len")
			items := make([]string, k)
			for i := range items {
				if rapid.IntRange(0, 9).Draw(t, "itemKind") == 0 {
					items[i] = jsonValue(t, 1)
				} else if rapid.Bool().Draw(t, "null") {
					items[i] = "null"
				} else {
					items[i] = strconv.FormatFloat(rapid.Float64Range(-100, 100).Draw(t, "v"), 'g', -1, 64)
				}
			}
			v = "[" + strings.Join(items, ",") + "]"
		} else {
			v = jsonValue(t, 0)
		}
		members = append(members, strconv.Quote(name)+":"+v)
	}
	body := "{" + strings.Join(members, ",") + "}"
	switch rapid.IntRange(0, 12).Draw(t, "break") {
	case 0:
		body = body[:rapid.IntRange(0, len(body)).Draw(t, "cut")]
	case 1:
		body = strings.Replace(body, "1", "NaN", 1)
	case 2:
		body += rapid.SampledFrom([]string{" ", "\n", "x", "{}", " 1", "]"}).Draw(t, "trailing")
	case 3:
		body = jsonValue(t, 0)
	case 4:
		body = strings.Replace(body, `"`, `'`, 1)
	}
	return body
}

// TestVectorBodyMatchesSpec: decodeVectorBody, which reads POST
// /vector_image's body as it streams in, accepts exactly the bodies that
// kin-openapi's validation of the spec accepts, and decodes the same
// values. 2,000 drawn bodies, valid and hostile, plus the edge cases.
func TestVectorBodyMatchesSpec(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, body string) {
		want, kinErr := kinVerdict(body)
		got, err := decodeVectorBody(strings.NewReader(body))
		if (err == nil) != (kinErr == nil) {
			t.Fatalf("body %.200q: decodeVectorBody err = %v, kin-openapi err = %v; want the same verdict", body, err, kinErr)
		}
		if err != nil {
			return
		}
		if len(got.values) != len(want) {
			t.Fatalf("body %.200q: %d values, kin-openapi %d", body, len(got.values), len(want))
		}
		for i, w := range want {
			g := got.values[i]
			if w == nil {
				if !math.IsNaN(g) {
					t.Fatalf("body %.200q: values[%d] = %v, want NaN for null", body, i, g)
				}
				continue
			}
			f, _ := w.(json.Number).Float64()
			if g != f {
				t.Fatalf("body %.200q: values[%d] = %v, want %v", body, i, g, f)
			}
		}
	}
	for _, body := range []string{
		``, ` `, `null`, `{}`, `[]`, `{"values":[1]}`, `{"values":[]}`, `{"values":null}`, `{"values":[null]}`,
		`{"values":[1],"values":[2]}`, `{"values":[1]} `, `{"values":[1]}x`, `{"values":[1]}{}`,
		`{"values":[1],"width":4096}`, `{"values":[1],"width":4097}`, `{"values":[1],"width":4096.0}`,
		`{"values":[1],"width":1e3}`, `{"values":[1],"width":0}`, `{"values":[1],"width":-0}`, `{"values":[1],"width":null}`,
		`{"values":[1],"rows":1048576}`, `{"values":[1],"rows":1048577}`, `{"values":[1],"min":null}`,
		`{"values":[1e308]}`, `{"values":[1e309]}`, `{"values":[-1e400]}`, `{"values":[1,]}`, `{"values":[01]}`,
		`{"values":[1],"colormap":"jet"}`, `{"values":[1],"interpolation":"bilinear"}`, `{"values":[1],"x":1}`,
		`{"values":[1],"colormap":"gray","colormap":"gray"}`, `{"values":["1"]}`, `{"values":[true]}`,
		"{\"values\":[1],\"colormap\":\"\xff\"}", `{"values":[1],"width":1.5}`, `{"values":[1` + strings.Repeat(",1", 1<<20) + `]}`,
	} {
		check(t, body)
	}
	for range 20 {
		rapid.Check(t, func(rt *rapid.T) { check(rt, vectorBodyDraw(rt)) })
	}
}
