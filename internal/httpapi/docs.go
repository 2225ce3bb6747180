package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
)

// inlineScript matches a <script> element without a src: its body.
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// withCSP serves Swagger UI (docs, mounted at /docs/) under a
// Content-Security-Policy: scripts only from pngd itself and the inline
// ones of its own page, allowed by their SHA-256 (CSP 3 §8.3; the page is
// made once from fixed configuration, so the hashes are computed at
// start-up); images from itself and the blob: URLs Swagger UI shows a PNG
// answer through; requests only to itself; and no framing
// (frame-ancestors 'none', against clickjacking). Swagger UI sets inline
// style attributes, so styles allow 'unsafe-inline'.
func withCSP(docs http.Handler) (http.Handler, error) {
	rec := httptest.NewRecorder()
	docs.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/docs/", nil))
	if rec.Code != http.StatusOK {
		return nil, errors.New("docs: Swagger UI's page did not render")
	}
	scripts := []string{"'self'"}
	for _, m := range inlineScript.FindAllStringSubmatch(rec.Body.String(), -1) {
		sum := sha256.Sum256([]byte(m[1]))
		scripts = append(scripts, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	policy := strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(scripts, " "),
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: blob:",
		"connect-src 'self'",
		"font-src 'self' data:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", policy)
		docs.ServeHTTP(w, r)
	}), nil
}

// docsNotFound answers a path under /docs/ that Swagger UI's file server
// does not have (/docs/index.html, say) with a problem+json 404 like every
// other unknown path, instead of the file server's text/plain one.
func docsNotFound(docs http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		docs.ServeHTTP(&notFoundWriter{ResponseWriter: w, r: r}, r)
	})
}

// notFoundWriter replaces a 404 and its body with a problem.
type notFoundWriter struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool
}

func (n *notFoundWriter) WriteHeader(status int) {
	if status != http.StatusNotFound {
		n.ResponseWriter.WriteHeader(status)
		return
	}
	n.replaced = true
	h := n.ResponseWriter.Header()
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Cache-Control", "Last-Modified", "ETag"} {
		h.Del(k)
	}
	writeProblem(n.ResponseWriter, n.r, http.StatusNotFound, "no file at "+n.r.URL.Path+"; Swagger UI is at /docs/ and the API is described at /openapi.yaml")
}

func (n *notFoundWriter) Write(b []byte) (int, error) {
	if n.replaced {
		return len(b), nil // the file server's "404 page not found"
	}
	return n.ResponseWriter.Write(b)
}
