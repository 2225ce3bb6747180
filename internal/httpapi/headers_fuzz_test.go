package httpapi

import (
	"strings"
	"testing"
)

// FuzzConditionalHeaders feeds arbitrary If-None-Match and Accept values to
// their parsers: no panics, and an exact tag always matches itself.
func FuzzConditionalHeaders(f *testing.F) {
	for _, s := range []string{`"a"`, `W/"a", "b"`, `*`, `"unterminated`, `image/png;q=0, */*`, `text/*;q=0.5, image/*`, `;;;,`, `image/png;q=nonsense`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		acceptsPNG([]string{header})
		noneMatch(header, `"vi-1"`)
		if !strings.Contains(header, `"`) {
			tag := `"` + header + `"`
			if !noneMatch(tag, tag) {
				t.Errorf("noneMatch(%q, %q) = false", tag, tag)
			}
		}
	})
}

func TestAcceptsPNG(t *testing.T) {
	tests := []struct {
		accept []string
		want   bool
	}{
		{nil, true},
		{[]string{""}, true},   // an empty Accept states no preference
		{[]string{"  "}, true}, // nor does one of blanks
		{[]string{"image/png"}, true},
		{[]string{"*/*"}, true},
		{[]string{"image/*"}, true},
		{[]string{"application/json"}, false},
		{[]string{"image/png;q=0"}, false},
		{[]string{"image/png;q=0, */*"}, false},
		{[]string{"image/*;q=0, image/png"}, true},
		{[]string{"text/html", "image/webp,*/*;q=0.8"}, true},
		{[]string{"image/webp"}, false},
	}
	for _, tt := range tests {
		if got := acceptsPNG(tt.accept); got != tt.want {
			t.Errorf("acceptsPNG(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}
