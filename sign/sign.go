// Package sign makes and checks pngd's signed image URLs.
//
// When a pngd server has a signing key, a request for a derived image
// (GET /images/{id} with transform parameters) must carry sig: the
// unpadded base64url HMAC-SHA256, under the key, of
//
//	path + "?" + query
//
// where query is every other query parameter, sorted by name and then
// value and URL-encoded as url.Values.Encode does. The order the
// parameters come in does not matter; their values do, byte for byte.
//
// Verification is strict: exactly one spelling of a signature verifies
// (base64url without padding, decoded strictly, so the two spare bits of
// its last character must be zero), and a query with anything the
// canonical form does not account for (a ";", a malformed escape, an empty
// "&&" piece) verifies under no signature.
//
//	u, err := sign.URL(key, "https://img.example.com/images/"+id+"?w=256&fit=cover&h=256")
//	// https://img.example.com/images/<id>?fit=cover&h=256&sig=...&w=256
package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Param is the query parameter that carries the signature.
const Param = "sig"

// Message is the text that is signed for path and query: the path, a "?",
// and query without Param, canonically encoded.
func Message(path string, query url.Values) string {
	q := make(url.Values, len(query))
	for k, v := range query {
		if k != Param {
			q[k] = slices.Sorted(slices.Values(v))
		}
	}
	return path + "?" + q.Encode()
}

// Sign returns the signature of path and query under key.
func Sign(key []byte, path string, query url.Values) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(Message(path, query)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Verify reports whether rawQuery's Param is the signature of path and the
// rest of rawQuery under key. It compares in constant time, and is false
// when Param is missing, repeated, or not strict unpadded base64url, and
// when rawQuery holds anything its canonical form would not (see the
// package comment).
func Verify(key []byte, path, rawQuery string) bool {
	if rawQuery == "" || strings.HasPrefix(rawQuery, "&") || strings.HasSuffix(rawQuery, "&") || strings.Contains(rawQuery, "&&") {
		return false
	}
	query, err := url.ParseQuery(rawQuery) // refuses ";" and bad escapes
	if err != nil {
		return false
	}
	got := query[Param]
	if len(got) != 1 {
		return false
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(got[0])
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(Message(path, query)))
	return hmac.Equal(sig, m.Sum(nil))
}

// URL returns rawURL with its sig parameter set to the signature of its
// path and query; a sig it already has is replaced. rawURL may be
// absolute ("https://host/images/…?w=100") or a path with a query.
func URL(key []byte, rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("sign: the query of %q: %w", rawURL, err)
	}
	q.Del(Param)
	q.Set(Param, Sign(key, u.EscapedPath(), q))
	u.RawQuery = q.Encode()
	return u.String(), nil
}
