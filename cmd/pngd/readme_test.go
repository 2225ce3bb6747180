package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeBlock returns the first ```sh block after heading in README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q", heading)
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	if !ok {
		t.Fatalf("no sh block after %q", heading)
	}
	block, _, _ = strings.Cut(block, "```\n")
	return block
}

// TestReadmeCurlExamples runs the README's curl block, as written, in an
// empty directory against a fresh pngd (only its address changed), and
// checks that every "#=> text" comment appears in the output, in order,
// each on or after the line of the one before.
func TestReadmeCurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not installed")
		}
		t.Skip("curl is not installed")
	}
	p := startProcess(t, nil, "-storage", "file://"+filepath.ToSlash(t.TempDir()))
	block := readmeBlock(t, "## The API with curl")
	script := strings.ReplaceAll(block, "http://127.0.0.1:8080", p.base)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's curl block failed: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	at := 0
	for _, l := range strings.Split(block, "\n") {
		want, ok := strings.CutPrefix(l, "#=> ")
		if !ok {
			continue
		}
		found := false
		for ; at < len(lines); at++ {
			if strings.Contains(lines[at], want) {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("the README promises %q, which the output lacks (after the earlier promises):\n%s", want, out)
		}
	}
}
