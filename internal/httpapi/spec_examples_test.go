package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pngd/pngd/api"
	"github.com/pngd/pngd/gen"
)

// TestSpecExamplesAsSwaggerUISends sends every operation as Swagger UI's
// "Try it out" sends it when nobody edits a field: each path parameter's
// example (the image id replaced by an uploaded image's: the only input),
// each query parameter and header with an example its example, else its
// default, as Swagger UI fills them in, and the body the media type's
// example. Every one must answer 2xx, through the contract harness, on a
// plain server and on one that signs its URLs. The upload (a file to
// choose) is the one operation that needs more input; DELETE runs last.
func TestSpecExamplesAsSwaggerUISends(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, server := range []struct {
		name string
		cfg  Config
	}{
		{"plain", Config{}},
		{"signing", Config{SigningKey: []byte("a signing key of at least 32 chars")}},
	} {
		t.Run(server.name, func(t *testing.T) {
			srv, c := newTestServer(t, server.cfg)
			im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(60, 40)), 201)
			var deletes []*http.Request
			sent := 0
			for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
				item := doc.Paths.Value(path)
				for method, op := range item.Operations() {
					if op.RequestBody != nil && op.RequestBody.Value.Required && exampleBody(op) == nil {
						t.Logf("%s %s: its body has no example (a file to choose)", method, path)
						continue
					}
					req := swaggerRequest(t, srv.URL, path, method, append(item.Parameters, op.Parameters...), op, im.Id)
					if method == http.MethodDelete {
						deletes = append(deletes, req)
						continue
					}
					sent++
					resp, body := do(t, c, req)
					if resp.StatusCode/100 != 2 {
						t.Errorf("%s %s: %d %.200s", method, req.URL.RequestURI(), resp.StatusCode, body)
					}
				}
			}
			if sent < 10 || len(deletes) == 0 {
				t.Errorf("%d requests and %d deletes sent: the spec has more operations", sent, len(deletes))
			}
			t.Logf("%d operations sent as Try it out sends them, then %d DELETE", sent, len(deletes))
			for _, req := range deletes {
				if resp, body := do(t, c, req); resp.StatusCode/100 != 2 {
					t.Errorf("%s %s: %d %.200s", req.Method, req.URL.RequestURI(), resp.StatusCode, body)
				}
			}
		})
	}
}

// exampleBody is the JSON example of op's request body, or nil.
func exampleBody(op *openapi3.Operation) []byte {
	if op.RequestBody == nil {
		return nil
	}
	for _, typ := range slices.Sorted(maps.Keys(op.RequestBody.Value.Content)) {
		mt := op.RequestBody.Value.Content[typ]
		if mt.Example != nil && strings.Contains(typ, "json") {
			data, _ := json.Marshal(mt.Example)
			return data
		}
	}
	return nil
}

// swaggerRequest builds the request Try it out sends for op untouched.
func swaggerRequest(t *testing.T, base, path, method string, params openapi3.Parameters, op *openapi3.Operation, id string) *http.Request {
	t.Helper()
	q := url.Values{}
	headers := map[string]string{}
	for _, ref := range params {
		p := ref.Value
		v := p.Example
		if v == nil && p.Schema != nil && p.Schema.Value != nil {
			if v = p.Schema.Value.Example; v == nil {
				v = p.Schema.Value.Default
			}
		}
		if v == nil {
			if p.Required {
				t.Fatalf("%s %s: parameter %q is required and has neither an example nor a default", method, path, p.Name)
			}
			continue
		}
		text := fmt.Sprint(v)
		if list, ok := v.([]any); ok { // form, not exploded: comma-separated
			parts := make([]string, len(list))
			for i, x := range list {
				parts[i] = fmt.Sprint(x)
			}
			text = strings.Join(parts, ",")
		}
		switch p.In {
		case "path":
			if p.Name == "id" {
				text = id
			}
			path = strings.ReplaceAll(path, "{"+p.Name+"}", text)
		case "query":
			q.Set(p.Name, text)
		case "header":
			headers[p.Name] = text
		}
	}
	u := base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body []byte
	contentType := ""
	if data := exampleBody(op); data != nil {
		body, contentType = data, "application/json"
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

// TestFrameZeroOfAStill: frame=0 of a still image is the image itself (its
// ETag and bytes), alone or restating other defaults; of an animation it
// is the first frame, a derived still.
func TestFrameZeroOfAStill(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(60, 40)), 201)
	for _, q := range []string{"frame=0", "frame=0&rotate=0&depth=16"} {
		resp, _ := getDerived(t, c, srv.URL, im.Url+"?"+q, 200, image.Point{})
		if resp.Header.Get("ETag") != im.Etag {
			t.Errorf("?%s: ETag %s, want the original's %s", q, resp.Header.Get("ETag"), im.Etag)
		}
	}
	anim := upload(t, c, srv.URL, "image/gif", testGIF(t), 201)
	resp, body := getDerived(t, c, srv.URL, anim.Url+"?frame=0", 200, image.Point{})
	if resp.Header.Get("ETag") == anim.Etag || bytes.Contains(body, []byte("acTL")) {
		t.Errorf("frame=0 of an animation: ETag %s, APNG %v", resp.Header.Get("ETag"), bytes.Contains(body, []byte("acTL")))
	}
}

// TestOpenAPIYAMLForClients: /openapi.yaml is declared as text (a string,
// binary), as TypeScript generators type it, and the Go client still reads
// the document as a map.
func TestOpenAPIYAMLForClients(t *testing.T) {
	srv, _ := newTestServer(t, Config{})
	c, err := gen.NewClientWithResponses(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.GetOpenAPIYAMLWithResponse(t.Context())
	if err != nil || r.YAML200 == nil {
		t.Fatalf("%v, %v", err, r)
	}
	if v := (*r.YAML200)["openapi"]; v != "3.0.3" && !strings.HasPrefix(fmt.Sprint(v), "3.") {
		t.Errorf("openapi: %v", v)
	}
	if !bytes.Equal(r.Body, api.Spec) {
		t.Error("the body is not the spec byte for byte")
	}
}
