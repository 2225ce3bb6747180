package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/bytesize"
	"github.com/pngd/pngd/internal/contract"
)

func TestMain(m *testing.M) {
	// The SIGTERM test re-runs this binary as pngd itself.
	if os.Getenv("PNGD_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startRun runs pngd in-process on a free port and returns its base URL and
// a function that stops it and returns run's error.
func startRun(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-drain-delay", "0", "-storage", "file://" + filepath.ToSlash(t.TempDir())}, args...), func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("pngd did not start: %v (run: %v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	stop := func() error { cancel(); return <-done }
	return listening.FindStringSubmatch(line)[1], stop
}

func TestRunServesAndStops(t *testing.T) {
	h, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	base, stop := startRun(t)
	resp, err := h.Client(t).Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatalf("run returned %v after its context ended, want nil", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after run returned")
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-max-body-bytes", "0", "-log-format", "xml"}, func(string) string { return "" }, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "max-body-bytes") || !strings.Contains(err.Error(), "log-format") {
		t.Fatalf("run err = %v, want both problems named", err)
	}
}

// TestHelpNamesEveryVariable: -h, -help and `pngd help` print the flags
// with their variables on stdout, nothing on stderr, and succeed; a wrong
// flag says so on stderr and points at -h.
func TestHelpNamesEveryVariable(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"PNGD_SIGNING_KEY": "a-secret-signing-key-of-40-characters-xx", "PNGD_API_KEYS": "secret-api-key-0123456789"}[k]
	}
	for _, args := range [][]string{{"-h"}, {"-help"}, {"help"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, env, &stdout, &stderr); err != nil {
			t.Fatalf("run %v = %v, want nil", args, err)
		}
		if stderr.Len() != 0 {
			t.Errorf("%v wrote to stderr: %s", args, stderr.String())
		}
		for _, want := range []string{"PNGD_ADDR", "PNGD_MAX_BODY_BYTES", "PNGD_READ_HEADER_TIMEOUT", "PNGD_LOG_FORMAT", "127.0.0.1:8080", "pngd sign"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%v output lacks %s:\n%s", args, want, stdout.String())
			}
		}
		if strings.Contains(stdout.String(), "secret") {
			t.Errorf("%v prints a key from the environment", args)
		}
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-nope"}, env, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "pngd -h") || stdout.Len() != 0 {
		t.Errorf("run -nope = %v, stdout %q; want an error pointing at -h and no help on stdout", err, stdout.String())
	}
}

// TestSignHelpHidesTheKey: `pngd sign -h` prints its usage on stdout without
// the key from the environment, and `pngd sign` refuses a key the server
// would refuse.
func TestSignHelpHidesTheKey(t *testing.T) {
	key := "a-secret-signing-key-of-40-characters-xx"
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"sign", "-h"}, func(string) string { return key }, &stdout, &stderr); err != nil {
		t.Fatalf("sign -h: %v", err)
	}
	if !strings.Contains(stdout.String(), "Usage: pngd sign") || strings.Contains(stdout.String()+stderr.String(), key) {
		t.Errorf("sign -h: stdout %q, stderr %q; want the usage without the key", stdout.String(), stderr.String())
	}
	err := run(context.Background(), []string{"sign", "-signing-key", "too-short", "/images/x?w=1"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "under 32") {
		t.Errorf("sign with a 9-character key: %v, want a refusal", err)
	}
}

func TestConfigFromEnvAndFlags(t *testing.T) {
	env := map[string]string{"PNGD_ADDR": "127.0.0.1:9999", "PNGD_MAX_BODY_BYTES": "1000", "PNGD_IDLE_TIMEOUT": "3s"}
	c, err := parseConfig([]string{"-max-body-bytes", "2000"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Addr, want.MaxBodyBytes, want.IdleTimeout = "127.0.0.1:9999", 2000, 3*time.Second
	if c != want {
		t.Errorf("config = %+v, want %+v", c, want)
	}
	_, err = parseConfig(nil, func(k string) string {
		return map[string]string{"PNGD_IDLE_TIMEOUT": "soon", "PNGD_MAX_BODY_BYTES": "-1"}[k]
	}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PNGD_IDLE_TIMEOUT") || !strings.Contains(err.Error(), "max-body-bytes") {
		t.Errorf("bad environment: err = %v, want both named", err)
	}
}

// TestSlowClientIsCut opens a connection that never finishes its headers
// (slowloris); the server must hang up after read-header-timeout.
func TestSlowClientIsCut(t *testing.T) {
	base, stop := startRun(t, "-read-header-timeout", "300ms")
	defer stop()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("server kept a half-sent request open for 10s")
	}
}

// TestSIGTERMDrains runs pngd as a real process, sends SIGTERM while a
// request is in flight, and expects /readyz to answer 503 during the drain
// delay while requests are still served, then the request in flight to
// finish and a clean exit.
func TestSIGTERMDrains(t *testing.T) {
	h, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-addr", "127.0.0.1:0", "-drain-delay", "1s", "-storage", "file://"+filepath.ToSlash(t.TempDir()))
	cmd.Env = append(os.Environ(), "PNGD_TEST_RUN_MAIN=1")
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("pngd did not start: %v\n%s", err, stderr.String())
	}
	base := listening.FindStringSubmatch(line)[1]

	// A slow upload keeps one request in flight across the signal.
	pr, pw := io.Pipe()
	result := make(chan error, 1)
	go func() {
		resp, err := h.Client(t).Post(base+"/vector_image", "application/json", pr)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = errors.New(resp.Status)
			}
		}
		result <- err
	}()
	pw.Write([]byte(`{"values":[1,2,`))
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	// Draining: not ready, but still answering, on new connections too.
	c := h.Client(t)
	for path, want := range map[string]int{"/readyz": 503, "/healthz": 200} {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Close = true // a new connection each
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s while draining: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s while draining: %d, want %d", path, resp.StatusCode, want)
		}
	}
	pw.Write([]byte(`3]}`))
	pw.Close()
	if err := <-result; err != nil {
		t.Errorf("request in flight during SIGTERM: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("pngd exited with %v after SIGTERM, want 0\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("no shutdown log line:\n%s", stderr.String())
	}
}

// TestNetHTTPAnswersAreCounted: the answers net/http writes before any
// handler runs (417 for an unknown Expect, 400 for a malformed request)
// are in the metrics, beside the handlers' own; requests on the same
// connection before and after are counted once each.
func TestNetHTTPAnswersAreCounted(t *testing.T) {
	base, stop := startRun(t)
	defer stop()
	raw := func(req string) string {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprint(c, req)
		b, _ := io.ReadAll(c)
		return string(b)
	}
	if got := raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n"); strings.Count(got, "HTTP/1.1 200") != 1 || !strings.Contains(got, "HTTP/1.1 417") {
		t.Errorf("a 200 then a 417 on one connection; got %q", got)
	}
	if got := raw("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n"); !strings.HasPrefix(got, "HTTP/1.1 400") {
		t.Errorf("a malformed header: %q", got)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`pngd_http_requests_total{code="417",operation="unrouted"} 1`,
		`pngd_http_requests_total{code="400",operation="unrouted"} 1`,
		`pngd_http_requests_total{code="200",operation="getHealth"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestByteSizes: byte-size flags and variables take plain numbers or
// units, decimal or binary, and refuse anything else.
func TestByteSizes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1048576", 1 << 20, true},
		{"512MiB", 512 << 20, true},
		{"1GiB", 1 << 30, true},
		{"64MB", 64_000_000, true},
		{"1.5GB", 1_500_000_000, true},
		{"2 KiB", 2048, true},
		{"12XB", 0, false},
		{"0.5B", 0, false},
		{"lots", 0, false},
	} {
		var v int64
		err := bytesize.Flag{P: &v}.Set(c.in)
		if (err == nil) != c.ok || c.ok && v != c.want {
			t.Errorf("%q: %d, %v; want %d (ok %v)", c.in, v, err, c.want, c.ok)
		}
	}
	cfg, err := parseConfig([]string{"-memory-budget", "512MiB", "-cache-bytes", "64MiB"}, func(k string) string {
		if k == "PNGD_MAX_UPLOAD_BYTES" {
			return "10MB"
		}
		return ""
	}, io.Discard)
	if err != nil || cfg.MemoryBudget != 512<<20 || cfg.CacheBytes != 64<<20 || cfg.MaxUploadBytes != 10_000_000 {
		t.Errorf("parseConfig: %v; budget %d, cache %d, upload %d", err, cfg.MemoryBudget, cfg.CacheBytes, cfg.MaxUploadBytes)
	}
	if s := (bytesize.Flag{P: &cfg.MemoryBudget}).String(); s != "512MiB" {
		t.Errorf("String = %q", s)
	}
}

// TestVersion: -version prints the build and serves nothing.
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-version"}, func(string) string { return "" }, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "pngd ") {
		t.Errorf("pngd -version: %q, %v", out.String(), err)
	}
}

// TestZeroIsOffOrRefused holds every numeric flag to one meaning of 0: it
// turns off what the flag names, and its help says "0: off" (or "0 or
// off"), or it is refused with an error that names the flag. No flag takes
// 0 to mean its default.
func TestZeroIsOffOrRefused(t *testing.T) {
	var help bytes.Buffer
	if _, err := parseConfig([]string{"-h"}, func(string) string { return "" }, &help); err == nil {
		t.Fatal("-h returned no ErrHelp")
	}
	// Each flag's help is the indented line after its name.
	usage := map[string]string{}
	lines := strings.Split(help.String(), "\n")
	for i, l := range lines {
		if name, ok := strings.CutPrefix(l, "  -"); ok && i+1 < len(lines) {
			usage[strings.Fields(name)[0]] = lines[i+1]
		}
	}
	numeric := 0
	for name, text := range usage {
		if name == "addr" || name == "storage" || name == "api-keys" || name == "signing-key" || name == "presets" ||
			name == "metrics-addr" || name == "log-format" || name == "access-log" {
			continue // strings, where 0 is not a value
		}
		if strings.Contains(help.String(), "  -"+name+" (PNGD_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+`, default "false")`) {
			continue // booleans
		}
		numeric++
		_, err := parseConfig([]string{"-" + name, "0"}, func(string) string { return "" }, io.Discard)
		says := strings.Contains(text, "0: off") || strings.Contains(text, "0 or off")
		switch {
		case err == nil && !says:
			t.Errorf("-%s 0 is accepted, but its help does not say that 0 turns it off: %s", name, text)
		case err != nil && says:
			t.Errorf("-%s 0 is refused (%v), but its help says 0 turns it off", name, err)
		case err != nil && !strings.Contains(err.Error(), name):
			t.Errorf("-%s 0 is refused without naming the flag: %v", name, err)
		}
	}
	if numeric < 20 {
		t.Errorf("checked %d numeric flags; the help lists more", numeric)
	}
	// An unset queue follows the render slots; a set one stays as set.
	c, err := parseConfig([]string{"-max-concurrent-renders", "3"}, func(string) string { return "" }, io.Discard)
	if err != nil || c.MaxQueuedRenders != 3*queuePerRender {
		t.Errorf("-max-concurrent-renders 3: queue %d, err %v; want %d", c.MaxQueuedRenders, err, 3*queuePerRender)
	}
	c, err = parseConfig([]string{"-max-concurrent-renders", "3"}, func(k string) string { return map[string]string{"PNGD_MAX_QUEUED_RENDERS": "7", "GOGC": "off"}[k] }, io.Discard)
	if err != nil || c.MaxQueuedRenders != 7 || c.GCPercent != 0 {
		t.Errorf("PNGD_MAX_QUEUED_RENDERS=7 GOGC=off: queue %d, gc %d, err %v; want 7 and off", c.MaxQueuedRenders, c.GCPercent, err)
	}
}
