package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// byteRange is length bytes from start.
type byteRange struct{ start, length int64 }

// contentRange is the Content-Range of r in a representation of size bytes
// (RFC 9110 §14.4).
func (r byteRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.start, 10) + "-" + strconv.FormatInt(r.start+r.length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// rangeOutcome is what a Range field asks of a representation.
type rangeOutcome int

const (
	// rangeIgnored: send the whole representation. The field is malformed,
	// names another unit, or asks for several ranges, which pngd would have
	// to send as multipart/byteranges; §14.2 lets a server ignore it.
	rangeIgnored rangeOutcome = iota
	// rangeOne: send the one range, as 206.
	rangeOne
	// rangeUnsatisfiable: no range overlaps the representation; 416
	// (§15.5.17).
	rangeUnsatisfiable
)

// parseRange reads a Range field value (RFC 9110 §14.1.1) against a
// representation of size bytes: "bytes=first-last", "bytes=first-" or
// "bytes=-suffix", comma-separated. A last beyond the end is clamped to it
// (§14.1.1).
func parseRange(field string, size int64) (byteRange, rangeOutcome) {
	unit, set, ok := strings.Cut(field, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return byteRange{}, rangeIgnored
	}
	var satisfiable []byteRange
	specs := 0
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue // the grammar allows empty list elements (§5.6.1)
		}
		specs++
		r, ok, fits := parseRangeSpec(spec, size)
		if !ok {
			return byteRange{}, rangeIgnored
		}
		if fits {
			satisfiable = append(satisfiable, r)
		}
	}
	switch {
	case specs == 0:
		return byteRange{}, rangeIgnored
	case len(satisfiable) == 0:
		return byteRange{}, rangeUnsatisfiable
	case specs == 1:
		return satisfiable[0], rangeOne
	}
	return byteRange{}, rangeIgnored
}

// parseRangeSpec reads one int-range or suffix-range. ok is false for bad
// syntax; fits is false for a range that lies outside size bytes.
func parseRangeSpec(spec string, size int64) (r byteRange, ok, fits bool) {
	first, last, found := strings.Cut(spec, "-")
	if !found {
		return r, false, false
	}
	if first == "" { // suffix-range: the last n bytes
		n, ok := parseDigits(last)
		if !ok {
			return r, false, false
		}
		if n == 0 || size == 0 {
			return r, true, false
		}
		n = min(n, size)
		return byteRange{size - n, n}, true, true
	}
	start, ok := parseDigits(first)
	if !ok {
		return r, false, false
	}
	end := size - 1
	if last != "" {
		e, ok := parseDigits(last)
		if !ok || e < start {
			return r, false, false
		}
		end = min(e, size-1)
	}
	if start >= size {
		return r, true, false
	}
	return byteRange{start, end - start + 1}, true, true
}

// parseDigits reads 1*DIGIT; a number too large for int64 is clamped, as it
// is past the end of anything pngd stores.
func parseDigits(s string) (int64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 1<<63 - 1, true
	}
	return n, true
}

// ifRangeHolds reports whether Range applies under an If-Range field value
// (RFC 9110 §13.1.5): an entity tag must match etag strongly, a date must
// equal Last-Modified exactly. An absent field always holds.
func ifRangeHolds(field *string, etag string, modified time.Time) bool {
	if field == nil {
		return true
	}
	v := strings.TrimSpace(*field)
	if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "W/") {
		return v == etag && !strings.HasPrefix(etag, "W/")
	}
	t, err := http.ParseTime(v)
	return err == nil && t.Equal(modified.Truncate(time.Second))
}

// notModifiedSince reports whether If-Modified-Since lets a GET answer 304
// (RFC 9110 §13.1.3): the representation has not changed since the date. A
// field that is not an HTTP-date is ignored.
func notModifiedSince(field *string, modified time.Time) bool {
	if field == nil {
		return false
	}
	t, err := http.ParseTime(strings.TrimSpace(*field))
	return err == nil && !modified.Truncate(time.Second).After(t)
}
