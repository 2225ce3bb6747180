package colour

import (
	"runtime"
	"strings"
	"testing"
)

// TestCurvePointsBounded: a profile whose curves have more than
// MaxCurvePoints points over all their uses is refused before the parser
// reads them, a shared curve counting once per tag that names it; one just
// under the bound parses.
func TestCurvePointsBounded(t *testing.T) {
	for _, c := range []struct {
		name   string
		points int // of the curve the three TRC tags share
		ok     bool
	}{
		{"a camera's 4,096-point curves", 4096, true},
		{"3 × 43,000 points", 43_000, true},
		{"3 × 44,000 points", 44_000, false},
		{"one 2,000,000-point curve shared by three tags (4 MB)", 2_000_000, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(MatrixProfileCurve("Display P3", PrimariesP3, WhiteD65, SRGBCurve, c.points))
			if (err == nil) != c.ok {
				t.Errorf("parse: %v; want accepted: %v", err, c.ok)
			}
		})
	}
}

// TestParseBytes: what parse allocates stays within ParseBytes, for the
// largest curves and the largest tags it accepts.
func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"3 × 43,000-point curves", MatrixProfileCurve("Display P3", PrimariesP3, WhiteD65, SRGBCurve, 43_000)},
		{"a 4 MB description", MatrixProfileCurve(strings.Repeat("d", 4_000_000), PrimariesP3, WhiteD65, SRGBCurve, 1024)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, err := parse(c.data); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			if got, limit := int64(after.TotalAlloc-before.TotalAlloc), ParseBytes(len(c.data)); got > limit {
				t.Errorf("parse of %d bytes allocated %d, over ParseBytes' %d", len(c.data), got, limit)
			}
		})
	}
}

// TestParseIsCached: the same bytes parse once.
func TestParseIsCached(t *testing.T) {
	data := MatrixProfile("cached", PrimariesP3, WhiteD65, SRGBCurve)
	a, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(append([]byte(nil), data...))
	if err != nil || a != b {
		t.Errorf("a second Parse of the same bytes gave another profile (%v)", err)
	}
}
