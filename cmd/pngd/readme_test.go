package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// readmeBlocks returns the ```sh blocks of the section under heading in
// file (a path from the repository's root: README.md, docs/api.md), up to
// the next heading of its level.
func readmeBlocks(t *testing.T, file, heading string) []string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", file))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no %q", file, heading)
	}
	level := heading[:strings.Index(heading, " ")+1]
	if i := strings.Index(after, "\n"+level); i >= 0 {
		after = after[:i]
	}
	var blocks []string
	for {
		_, rest, ok := strings.Cut(after, "```sh\n")
		if !ok {
			break
		}
		block, rest, _ := strings.Cut(rest, "```\n")
		blocks = append(blocks, block)
		after = rest
	}
	if len(blocks) == 0 {
		t.Fatalf("no sh block after %q", heading)
	}
	return blocks
}

// TestReadmeCurlExamples runs the shell blocks of the README's examples
// (curl, then pngctl, which uses what the curl block made) and docs/api.md's
// curl block, as written, each section in an empty directory against a
// fresh pngd (only its address, and bin/pngctl's path, changed), and
// checks that every "#=> text" comment appears in the output, in order,
// each on or after the line of the one before.
func TestReadmeCurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not installed")
		}
		t.Skip("curl is not installed")
	}
	pngctl := filepath.Join(t.TempDir(), "pngctl")
	if out, err := exec.Command("go", "build", "-o", pngctl, "github.com/pngd/pngd/cmd/pngctl").CombinedOutput(); err != nil {
		t.Fatalf("building pngctl: %v: %s", err, out)
	}
	for _, c := range []struct {
		file, heading string
		blocks        int // how many of the section's blocks, in order
	}{
		{"README.md", "## In one example each", 2}, // curl, then pngctl
		{"docs/api.md", "## The API with curl", 1},
	} {
		t.Run(c.file, func(t *testing.T) {
			p := startProcess(t, nil, "-storage", "file://"+filepath.ToSlash(t.TempDir()))
			blocks := readmeBlocks(t, c.file, c.heading)
			if len(blocks) < c.blocks {
				t.Fatalf("%s: %d sh blocks under %q, want %d", c.file, len(blocks), c.heading, c.blocks)
			}
			block := strings.Join(blocks[:c.blocks], "")
			script := strings.ReplaceAll(block, "http://127.0.0.1:8080", p.base)
			script = strings.ReplaceAll(script, "bin/pngctl ", pngctl+" ")
			cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "PNGD_URL="+p.base, "XDG_CACHE_HOME="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s's shell blocks failed: %v\n%s", c.file, err, out)
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
					t.Fatalf("%s promises %q, which the output lacks (after the earlier promises):\n%s", c.file, want, out)
				}
			}
		})
	}
}

// TestDocsLinks: the README is at most 200 lines, and every relative link
// in it and in docs/ names a file that exists and, with #anchor, a heading
// of that file (GitHub's anchors: lower case, punctuation dropped, spaces
// as hyphens). Code blocks are not read for links.
func TestDocsLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n > 200 {
		t.Errorf("README.md has %d lines; at most 200 (the rest belongs in docs/)", n)
	}
	pages, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if len(pages) == 0 {
		t.Fatal("no docs/*.md")
	}
	files := append([]string{filepath.Join(root, "README.md")}, pages...)
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		a := map[string]bool{}
		data, _ := os.ReadFile(path)
		for _, l := range proseLines(string(data)) {
			if h, ok := strings.CutPrefix(strings.TrimLeft(l, "#"), " "); ok && strings.HasPrefix(l, "#") {
				a[slug(h)] = true
			}
		}
		anchors[path] = a
		return a
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range proseLines(string(data)) {
			for _, m := range link.FindAllStringSubmatch(l, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				dest := f
				if path != "" {
					dest = filepath.Join(filepath.Dir(f), filepath.FromSlash(path))
					if _, err := os.Stat(dest); err != nil {
						t.Errorf("%s: link to %s: no such file", f, target)
						continue
					}
				}
				if anchor != "" && strings.HasSuffix(dest, ".md") && !anchorsOf(dest)[anchor] {
					t.Errorf("%s: link to %s: no such heading", f, target)
				}
				checked++
			}
		}
	}
	t.Logf("%d links checked in %d files", checked, len(files))
}

// proseLines are a markdown file's lines outside fenced code blocks.
func proseLines(s string) []string {
	var out []string
	code := false
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "```") {
			code = !code
			continue
		}
		if !code {
			out = append(out, l)
		}
	}
	return out
}

// slug is GitHub's anchor for a heading.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
