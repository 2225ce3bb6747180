package httpapi

import (
	"testing"
	"time"
)

func TestParseRange(t *testing.T) {
	const size = 1000
	for _, tt := range []struct {
		field   string
		want    byteRange
		outcome rangeOutcome
	}{
		{"bytes=0-499", byteRange{0, 500}, rangeOne},
		{"bytes=500-", byteRange{500, 500}, rangeOne},
		{"bytes=-1", byteRange{999, 1}, rangeOne},
		{"bytes=-5000", byteRange{0, 1000}, rangeOne},
		{"bytes=990-5000", byteRange{990, 10}, rangeOne},
		{"bytes=0-0", byteRange{0, 1}, rangeOne},
		{"bytes=0-99999999999999999999999", byteRange{0, 1000}, rangeOne},
		{"bytes=5-9,", byteRange{5, 5}, rangeOne},
		{"BYTES=5-9", byteRange{5, 5}, rangeOne},
		{"bytes=1000-", byteRange{}, rangeUnsatisfiable},
		{"bytes=-0", byteRange{}, rangeUnsatisfiable},
		{"bytes=1000-1,", byteRange{}, rangeIgnored}, // last < first: invalid
		{"bytes=2000-,3000-", byteRange{}, rangeUnsatisfiable},
		{"bytes=0-1,2000-", byteRange{}, rangeIgnored},
		{"bytes=0-1,5-6", byteRange{}, rangeIgnored},
		{"bytes=", byteRange{}, rangeIgnored},
		{"bytes=,", byteRange{}, rangeIgnored},
		{"bytes=a-b", byteRange{}, rangeIgnored},
		{"bytes=+1-2", byteRange{}, rangeIgnored},
		{"bytes=1", byteRange{}, rangeIgnored},
		{"bytes=--1", byteRange{}, rangeIgnored},
		{"items=0-1", byteRange{}, rangeIgnored},
		{"0-1", byteRange{}, rangeIgnored},
	} {
		r, outcome := parseRange(tt.field, size)
		if r != tt.want || outcome != tt.outcome {
			t.Errorf("parseRange(%q) = %+v, %d; want %+v, %d", tt.field, r, outcome, tt.want, tt.outcome)
		}
	}
}

func TestIfRange(t *testing.T) {
	mod := time.Date(2026, 11, 25, 8, 0, 0, 500, time.UTC)
	s := func(v string) *string { return &v }
	for _, tt := range []struct {
		field *string
		want  bool
	}{
		{nil, true},
		{s(`"abc"`), true},
		{s(`"abd"`), false},
		{s(`W/"abc"`), false},
		{s("Wed, 25 Nov 2026 08:00:00 GMT"), true},
		{s("Wed, 25 Nov 2026 08:00:01 GMT"), false},
		{s("garbage"), false},
	} {
		if got := ifRangeHolds(tt.field, `"abc"`, mod); got != tt.want {
			t.Errorf("ifRangeHolds(%v) = %v, want %v", deref(tt.field, "<nil>"), got, tt.want)
		}
	}
}

// FuzzParseRange: whatever the field, parseRange neither panics nor
// returns a range outside the representation.
func FuzzParseRange(f *testing.F) {
	for _, seed := range []string{"bytes=0-499", "bytes=-5", "bytes=5-", "bytes=0-1,3-4", "bytes=99999999999999999999-", "bytes=-0", "items=1-2", "bytes= 1 - 2 ", ""} {
		f.Add(seed, int64(1000))
	}
	f.Add("bytes=0-0", int64(1))
	f.Fuzz(func(t *testing.T, field string, size int64) {
		if size < 1 {
			return // pngd stores no empty images
		}
		r, outcome := parseRange(field, size)
		switch outcome {
		case rangeOne:
			if r.start < 0 || r.length < 1 || r.start+r.length > size || r.start+r.length < r.start {
				t.Fatalf("parseRange(%q, %d) = %+v, outside the representation", field, size, r)
			}
		case rangeIgnored, rangeUnsatisfiable:
			if r != (byteRange{}) {
				t.Fatalf("parseRange(%q, %d) = %+v with outcome %d", field, size, r, outcome)
			}
		default:
			t.Fatalf("outcome %d", outcome)
		}
	})
}
