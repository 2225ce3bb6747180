package buildinfo

import (
	"strings"
	"testing"
)

// TestVersion: the line names the binary, its module version and the Go
// that built it.
func TestVersion(t *testing.T) {
	v := Version("pngd")
	if !strings.HasPrefix(v, "pngd ") || !strings.Contains(v, "go1.") || !strings.Contains(v, "commit") {
		t.Errorf("Version = %q", v)
	}
}
