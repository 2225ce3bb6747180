package httpapi

import "strings"

// immutable is the Cache-Control of a representation that never changes at
// its URL (RFC 9111 §5.2.2.6, RFC 8246).
const immutable = "public, max-age=31536000, immutable"

// noneMatch reports whether an If-None-Match field value matches etag, so
// that a GET must answer 304 (RFC 9110 §13.1.2). The comparison is weak
// (§8.8.3.2): W/"x" matches "x". "*" matches any current representation.
func noneMatch(header, etag string) bool {
	header = strings.TrimSpace(header)
	if header == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for header != "" {
		header = strings.TrimLeft(header, " \t,")
		header = strings.TrimPrefix(header, "W/")
		if !strings.HasPrefix(header, `"`) {
			return false // malformed list: ignore the field (§13.1.2)
		}
		end := strings.IndexByte(header[1:], '"')
		if end < 0 {
			return false
		}
		if header[:end+2] == want {
			return true
		}
		header = header[end+2:]
	}
	return false
}
