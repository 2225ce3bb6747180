//go:build attack

package attack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/contract"
)

// The budget every attack runs under, and the margin peak RSS may exceed
// it by: Go's soft limit is a target the collector works towards, not a
// hard cap, and RSS includes pages the scavenger has not yet returned.
const (
	budget     = 512 << 20
	cacheBytes = 64 << 20
	margin     = 64 << 20
)

var pngdBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pngd-attack")
	if err != nil {
		panic(err)
	}
	pngdBin = filepath.Join(dir, "pngd")
	build := exec.Command("go", "build", "-o", pngdBin, "github.com/pngd/pngd/cmd/pngd")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a pngd process under attack.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	data string
	log  *syncBuffer
	c    *http.Client
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// start runs pngd with the suite's budget and args on a fresh directory.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	data := t.TempDir()
	all := append([]string{
		"-addr", "127.0.0.1:0", "-storage", "file://" + data,
		"-memory-budget", strconv.Itoa(budget), "-cache-bytes", strconv.Itoa(cacheBytes),
		"-drain-delay", "0", "-log-format", "json",
	}, args...)
	cmd := exec.Command(pngdBin, all...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=2")
	stdout, _ := cmd.StdoutPipe()
	log := &syncBuffer{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("pngd did not start: %v\n%s", err, log.String())
	}
	go io.Copy(io.Discard, stdout)
	h, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, base: listening.FindStringSubmatch(line)[1], data: data, log: log, c: h.Client(t)}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		if s.cmd.ProcessState == nil {
			s.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("pngd's log (last 4 KB):\n%s", tail(log.String(), 4096))
		}
	})
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// status reads a field of /proc/PID/status in bytes (VmHWM, VmRSS).
func (s *server) status(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	s.t.Fatalf("no %s in /proc/PID/status", field)
	return 0
}

// resetPeak resets VmHWM to the current RSS (proc(5), clear_refs 5), so
// that each attack's peak is its own.
func (s *server) resetPeak() {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0); err != nil {
		s.t.Fatalf("resetting the peak RSS: %v", err)
	}
}

// cpu is the process's user+system CPU time so far.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		s.t.Fatal(err)
	}
	f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// tally counts the answers of an attack.
type tally struct {
	mu       sync.Mutex
	statuses map[int]int
	errs     []string
}

func newTally() *tally { return &tally{statuses: map[int]int{}} }

func (t *tally) add(resp *http.Response, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.errs = append(t.errs, err.Error())
		return
	}
	t.statuses[resp.StatusCode]++
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%v", t.statuses)
}

// do sends req through the harness (which checks the answer against the
// spec: a declared status, problem+json with a detail free of Go-internal
// text, Retry-After on 503) and drains the body.
func (s *server) do(req *http.Request, tl *tally) (*http.Response, []byte) {
	resp, err := s.c.Do(req)
	if err != nil {
		tl.add(nil, err)
		return nil, nil
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tl.add(resp, nil)
	return resp, body
}

// attack runs fn as one attack: the peak RSS is reset before it and read
// after; a probe checks meanwhile that /healthz answers within 2 seconds
// and a small render within its queue timeout; every request fn made must
// have had an answer, each of the statuses allowed. It returns the peak.
func (s *server) attack(name string, allowed []int, fn func(tl *tally)) int64 {
	t := s.t
	s.resetPeak()
	cpu0 := s.cpu()
	tl := newTally()
	ctx, stop := context.WithCancel(context.Background())
	var slowest time.Duration
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		for ctx.Err() == nil {
			t0 := time.Now()
			resp, err := http.Get(s.base + "/healthz")
			if err == nil {
				resp.Body.Close()
			}
			if d := time.Since(t0); err != nil || d > slowest {
				slowest = max(d, slowest)
				if err != nil {
					slowest = time.Hour
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	fn(tl)
	elapsed := time.Since(start)
	stop()
	<-probed
	peak := s.status("VmHWM")
	cpu := s.cpu() - cpu0
	t.Logf("ATTACK %-58s peak RSS %4d MiB (budget %d MiB)  CPU %6.1fs  wall %5.1fs  slowest /healthz %4dms  answers %s", name, peak>>20, budget>>20, cpu.Seconds(), elapsed.Seconds(), slowest.Milliseconds(), tl)
	if peak > budget+margin {
		t.Errorf("%s: peak RSS %d MiB, over the %d MiB budget plus the %d MiB margin", name, peak>>20, budget>>20, margin>>20)
	}
	if len(tl.errs) > 0 {
		t.Errorf("%s: %d requests got no answer, e.g. %s", name, len(tl.errs), tl.errs[0])
	}
	for status := range tl.statuses {
		if !contains(allowed, status) {
			t.Errorf("%s: a %d answer; allowed %v", name, status, allowed)
		}
	}
	// The load generator shares the machine's two cores with pngd.
	if slowest > 2*time.Second {
		t.Errorf("%s: /healthz took %v to answer during the attack", name, slowest)
	}
	// After: a small render answers at once.
	t0 := time.Now()
	resp, _ := s.do(s.req("GET", "/vector_image?values=1,2,3", "", nil), newTally())
	if resp == nil || resp.StatusCode != 200 || time.Since(t0) > 2*time.Second {
		t.Errorf("%s: after the attack a small render answered %v in %v", name, resp, time.Since(t0))
	}
	s.checkStored()
	return peak
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (s *server) req(method, path, contentType string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// checkStored holds every stored original to its id: the SHA-256 of its
// bytes. No attack may leave a partial or mislabelled object.
func (s *server) checkStored() {
	files, _ := filepath.Glob(filepath.Join(s.data, "images", "*.png"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			s.t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if id := strings.TrimSuffix(filepath.Base(f), ".png"); hex.EncodeToString(sum[:]) != id {
			s.t.Errorf("stored object %s has SHA-256 %x", id, sum)
		}
	}
}

// parallel runs n copies of fn at once and waits for them.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); fn(i) }()
	}
	wg.Wait()
}

// upload stores body, which must be accepted.
func (s *server) upload(contentType string, body []byte) gen.Image {
	s.t.Helper()
	resp, b := s.do(s.req("POST", "/images", contentType, bytes.NewReader(body)), newTally())
	if resp == nil || resp.StatusCode != 201 && resp.StatusCode != 200 {
		s.t.Fatalf("uploading a source: %v %s", resp, b)
	}
	var im gen.Image
	if err := json.Unmarshal(b, &im); err != nil {
		s.t.Fatal(err)
	}
	return im
}
