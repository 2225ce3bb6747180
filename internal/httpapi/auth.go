package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// apiKeys are the bearer keys that may write. Each is kept as its SHA-256,
// so that comparing a presented key takes the same time whatever its length
// or how much of it is right.
type apiKeys [][sha256.Size]byte

func newAPIKeys(keys []string) apiKeys {
	var ks apiKeys
	for _, k := range keys {
		if k != "" {
			ks = append(ks, sha256.Sum256([]byte(k)))
		}
	}
	return ks
}

// allows reports whether r carries one of the keys as
// "Authorization: Bearer <key>" (RFC 6750 §2.1). With no keys configured,
// everyone may write. Every key is compared, in constant time.
func (ks apiKeys) allows(r *http.Request) bool {
	if len(ks) == 0 {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	match := 0
	for _, k := range ks {
		match |= subtle.ConstantTimeCompare(sum[:], k[:])
	}
	return match == 1
}

// needsAuth reports whether the spec puts op behind a security requirement.
func needsAuth(doc *openapi3.T, op *openapi3.Operation) bool {
	if op.Security != nil {
		return len(*op.Security) > 0
	}
	return len(doc.Security) > 0
}
