// Package bytesize reads and writes sizes in bytes as people type them: a
// number, or one with a decimal or binary unit (64MB, 512MiB, 1.5GB). pngd's
// flags and pngctl's -max-bytes take them.
package bytesize

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

var units = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

var syntax = regexp.MustCompile(`^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$`)

// Parse reads s: a whole number of bytes, with or without a unit (B, kB,
// MB, GB, TB, KiB, MiB, GiB, TiB; any case).
func Parse(s string) (int64, error) {
	m := syntax.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a size: a number of bytes, or one with a unit (512MiB, 1GiB, 64MB)", s)
	}
	unit, ok := units[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)", s, m[2])
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || v*unit > math.MaxInt64 || v*unit < math.MinInt64 {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	if v*unit != math.Trunc(v*unit) {
		return 0, fmt.Errorf("%q is not a whole number of bytes", s)
	}
	return int64(v * unit), nil
}

// Format writes v in the largest binary unit that divides it (1GiB), or
// as a plain number.
func Format(v int64) string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if v != 0 && v%u.n == 0 {
			return strconv.FormatInt(v/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(v, 10)
}

// Flag is a flag.Value that sets *P.
type Flag struct{ P *int64 }

// String implements flag.Value.
func (f Flag) String() string {
	if f.P == nil {
		return "0"
	}
	return Format(*f.P)
}

// Set implements flag.Value.
func (f Flag) Set(s string) error {
	v, err := Parse(s)
	if err == nil {
		*f.P = v
	}
	return err
}
