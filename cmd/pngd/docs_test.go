package main

import (
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/miniotest"
)

// docBlock is a fenced code block of the README or of a page in docs/.
type docBlock struct {
	file    string // from the repository's root: README.md, docs/api.md
	section string // the "## " heading it is under
	lang    string // the fence's info string: sh, ts, promql, text
	body    string
}

// first is the block's first line, which names it in exemptions and errors.
func (b docBlock) first() string { l, _, _ := strings.Cut(b.body, "\n"); return l }

// docBlocks returns every fenced block of README.md and docs/*.md, in order.
func docBlocks(t *testing.T) []docBlock {
	t.Helper()
	root := filepath.Join("..", "..")
	pages, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	var blocks []docBlock
	for _, path := range append([]string{filepath.Join(root, "README.md")}, pages...) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, path)
		section, in := "", (*docBlock)(nil)
		for _, l := range strings.Split(string(data), "\n") {
			switch {
			case in == nil && strings.HasPrefix(l, "```"):
				in = &docBlock{file: filepath.ToSlash(rel), section: section, lang: strings.TrimPrefix(l, "```")}
			case in != nil && l == "```":
				blocks = append(blocks, *in)
				in = nil
			case in != nil:
				in.body += l + "\n"
			case strings.HasPrefix(l, "## "):
				section = l
			}
		}
		if in != nil {
			t.Fatalf("%s: a code block is never closed", rel)
		}
	}
	return blocks
}

// notRunHere are the shell blocks TestDocsShellBlocks does not run, each
// checked another way, keyed by file and first line.
var notRunHere = map[[2]string]string{
	{"README.md", "make run     # serves on http://127.0.0.1:8080, Swagger UI at http://127.0.0.1:8080/docs/"}:                                                                                                                                         "the two commands themselves: .ci/run runs make test, and every other block runs against a make run",
	{"README.md", "apt-get install chromium pngcheck imagemagick python3-skimage gnome-backgrounds liblcms2-utils colord-data libavif-bin libheif-examples webp libtiff-tools libjpeg-turbo-progs libvips-tools pngquant butteraugli nodejs npm curl"}: "checked against .ci/deps by TestDocsBlocksAreChecked",
	{"docs/typescript.md", "cd clients/ts && npm ci && npm run build     # dist/, the package @pngd/client"}:                                                                                                                                           "run as written by clients/ts/test.sh, which make test runs",
}

// TestDocsBlocksAreChecked holds every code block of the README and docs/
// to one of: a shell block that TestDocsShellBlocks runs (or one of
// notRunHere, each checked elsewhere); the TypeScript example, which
// clients/ts/test.sh compares with examples/quickstart.ts and runs;
// PromQL, whose every metric and label TestDocsPromQL finds in /metrics;
// or text that is not code (a diagram, a captured terminal).
func TestDocsBlocksAreChecked(t *testing.T) {
	blocks := docBlocks(t)
	if len(blocks) < 10 {
		t.Fatalf("%d code blocks in README.md and docs/; expected more", len(blocks))
	}
	for _, b := range blocks {
		switch b.lang {
		case "sh", "text", "promql":
		case "ts":
			if b.file != "docs/typescript.md" {
				t.Errorf("%s: a TypeScript block outside docs/typescript.md, which no test compiles", b.file)
			}
		default:
			t.Errorf("%s, %q: a block of %q; every block must be sh, ts, promql or text, so that a test knows what to do with it", b.file, b.first(), b.lang)
		}
		if b.lang == "sh" && regexp.MustCompile(`\|\s*head\b`).MatchString(b.body) {
			// head exits after its lines; under pipefail the writer's
			// SIGPIPE then fails the block, now and then (a test saw it).
			t.Errorf("%s, %q: a pipe into head; use sed -n 1p or awk, which read to the end", b.file, b.first())
		}
		if b.lang == "text" && strings.Contains(b.body, "curl ") {
			t.Errorf("%s, %q: a text block with a command in it; make it sh, so that it runs", b.file, b.first())
		}
	}
	// The README's apt-get line is .ci/deps's list, in its order.
	deps, err := os.ReadFile(filepath.Join("..", "..", ".ci", "deps"))
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, m := range regexp.MustCompile(`(?m)^need \S+ (\S+) `).FindAllStringSubmatch(string(deps), -1) {
		if !slices.Contains(pkgs, m[1]) {
			pkgs = append(pkgs, m[1])
		}
	}
	want := "apt-get install " + strings.Join(pkgs, " ")
	found := false
	for k := range notRunHere {
		if k[0] == "README.md" && strings.HasPrefix(k[1], "apt-get install") {
			found = k[1] == want
		}
	}
	if !found {
		t.Errorf("the README's apt-get line is not .ci/deps's list; want:\n%s", want)
	}
	for k, why := range notRunHere {
		ok := false
		for _, b := range blocks {
			ok = ok || (b.file == k[0] && b.first() == k[1] && b.lang == "sh")
		}
		if !ok {
			t.Errorf("notRunHere names a block that is no longer there (%s: %q, %s); remove it", k[0], k[1], why)
		}
	}
}

// TestDocsShellBlocks runs every shell block of the README and docs/ that
// notRunHere does not name, as written, one section at a time in an empty
// folder with a fresh pngd behind http://127.0.0.1:8080, and checks that
// every "#=> text" line's text appears in the output, in order. What it
// changes: the address (a free port), bin/pngd and bin/pngctl (built for
// the test), "VAR=… make run" (the same pngd, with VAR), and for the S3
// block the MinIO binary, its port and its folder.
func TestDocsShellBlocks(t *testing.T) {
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
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	sections := map[string][]docBlock{}
	for _, b := range docBlocks(t) {
		if b.lang != "sh" || notRunHere[[2]string{b.file, b.first()}] != "" {
			continue
		}
		key := b.file + " " + strings.TrimPrefix(b.section, "## ") // a # in a test's name would be in its temporary folders' paths
		if sections[key] == nil {
			order = append(order, key)
		}
		sections[key] = append(sections[key], b)
	}
	if len(order) < 5 {
		t.Fatalf("%d sections with shell blocks; expected more", len(order))
	}
	makeRun := regexp.MustCompile(`(?m)\bmake run$`)
	for _, key := range order {
		t.Run(key, func(t *testing.T) {
			var body strings.Builder
			for _, b := range sections[key] {
				body.WriteString(b.body)
			}
			block := body.String()
			dir := t.TempDir()
			port := freePort(t)
			script := strings.NewReplacer(
				"http://127.0.0.1:8080", "http://127.0.0.1:"+port,
				"bin/pngctl ", pngctl+" ",
				"bin/pngd ", "pngd ",
			).Replace(block)
			if strings.Contains(script, ".bin/minio") {
				script = strings.NewReplacer(
					".bin/minio", miniotest.Binary(t),
					"127.0.0.1:9000", "127.0.0.1:"+freePort(t),
					"/tmp/minio", filepath.Join(dir, "minio"),
				).Replace(script)
			}
			script = "pngd_run\n" + makeRun.ReplaceAllString(script, "pngd_run")
			// pngd_run stops the pngd it started before, if any, and starts
			// another on the same port and store.
			prelude := `trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
pngd() { PNGD_TEST_RUN_MAIN=1 "$PNGD_TEST_BINARY" "$@"; }
pngd_run() {
  if [ -n "${pngd_pid:-}" ]; then kill "$pngd_pid"; wait "$pngd_pid" || true; fi
  PNGD_TEST_RUN_MAIN=1 "$PNGD_TEST_BINARY" -addr 127.0.0.1:` + port + ` -drain-delay 0 >>"$PNGD_TEST_LOG" 2>&1 &
  pngd_pid=$!
  for _ in $(seq 300); do curl -sf -o /dev/null http://127.0.0.1:` + port + `/healthz && return; sleep 0.1; done
  echo "pngd did not start:"; cat "$PNGD_TEST_LOG"; return 1
}
`
			log := filepath.Join(t.TempDir(), "pngd.log")
			cmd := exec.Command("bash", "-euo", "pipefail", "-c", prelude+script)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PNGD_TEST_BINARY="+self, "PNGD_TEST_LOG="+log,
				"PNGD_STORAGE="+(&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "data"))}).String(), "XDG_CACHE_HOME="+t.TempDir(),
				"PNGD_URL=http://127.0.0.1:"+port) // pngctl's default is make run's address
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.WaitDelay = 5 * time.Second // for the output of a background job the trap missed
			t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
			out, err := cmd.CombinedOutput()
			pngdLog, _ := os.ReadFile(log)
			if err != nil {
				t.Fatalf("the blocks failed: %v\n--- script\n%s\n--- output\n%s\n--- pngd's log\n%s", err, script, out, pngdLog)
			}
			lines := strings.Split(string(out), "\n")
			at, promises := 0, 0
			for _, l := range strings.Split(block, "\n") {
				want, ok := strings.CutPrefix(l, "#=> ")
				if !ok {
					continue
				}
				promises++
				for ; at < len(lines) && !strings.Contains(lines[at], want); at++ {
				}
				if at == len(lines) {
					t.Fatalf("the blocks promise %q, which the output lacks (after the earlier promises):\n%s\n--- pngd's log\n%s", want, out, pngdLog)
				}
			}
			if promises == 0 {
				t.Errorf("no #=> line: the blocks run, but nothing says what they should print")
			}
		})
	}
}

// freePort is a loopback port that nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestDocsPromQL checks the PromQL of docs/ against a running pngd's
// /metrics: every pngd_ metric a query names is exposed (a histogram's
// _bucket, _sum and _count included), with every label it matches on, and
// an exact matcher's value is one the metric has. (A full PromQL parser is
// Prometheus itself, too large a dependency for this; brackets are checked
// to balance.)
func TestDocsPromQL(t *testing.T) {
	var queries []string
	for _, b := range docBlocks(t) {
		if b.lang != "promql" {
			continue
		}
		for _, l := range strings.Split(b.body, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				queries = append(queries, l)
			}
		}
	}
	if len(queries) == 0 {
		t.Fatal("no PromQL in docs/")
	}
	p := startProcess(t, nil, "-storage", "file://"+filepath.ToSlash(t.TempDir()))
	for _, path := range []string{"/vector_image?values=1,2,3", "/healthz", "/images/nope"} {
		resp, err := http.Get(p.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(p.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	exposition, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// series: metric name → label → values seen.
	series := map[string]map[string]map[string]bool{}
	sample := regexp.MustCompile(`(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? `)
	pair := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"`)
	for _, m := range sample.FindAllStringSubmatch(string(exposition), -1) {
		if series[m[1]] == nil {
			series[m[1]] = map[string]map[string]bool{}
		}
		for _, lv := range pair.FindAllStringSubmatch(m[2], -1) {
			if series[m[1]][lv[1]] == nil {
				series[m[1]][lv[1]] = map[string]bool{}
			}
			series[m[1]][lv[1]][lv[2]] = true
		}
	}
	selector := regexp.MustCompile(`\b(pngd_[a-z0-9_]+)(?:\{([^}]*)\})?`)
	matcher := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
	grouping := regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	checked := 0
	for _, q := range queries {
		for _, pairs := range [][2]string{{"(", ")"}, {"[", "]"}, {"{", "}"}} {
			if strings.Count(q, pairs[0]) != strings.Count(q, pairs[1]) {
				t.Errorf("%q: unbalanced %s%s", q, pairs[0], pairs[1])
			}
		}
		names := map[string]bool{}
		for _, m := range selector.FindAllStringSubmatch(q, -1) {
			name, labels := m[1], series[m[1]]
			if labels == nil {
				t.Errorf("%q: /metrics has no %s", q, name)
				continue
			}
			names[name] = true
			checked++
			for _, mm := range matcher.FindAllStringSubmatch(m[2], -1) {
				values, ok := labels[mm[1]]
				switch {
				case !ok:
					t.Errorf("%q: %s has no label %s", q, name, mm[1])
				case mm[2] == "=" && !values[mm[3]]:
					t.Errorf("%q: %s{%s} is never %q in /metrics (it has %v)", q, name, mm[1], mm[3], slices.Sorted(maps.Keys(values)))
				}
			}
		}
		for _, g := range grouping.FindAllStringSubmatch(q, -1) {
			for l := range strings.SplitSeq(g[1], ",") {
				l = strings.TrimSpace(l)
				found := false
				for n := range names {
					_, ok := series[n][l]
					found = found || ok
				}
				if !found {
					t.Errorf("%q: groups by %s, which none of its metrics has", q, l)
				}
			}
		}
	}
	t.Logf("%d queries, %d selectors checked against /metrics", len(queries), checked)
}
