package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/miniotest"
)

// runToExit runs pngd (this test binary as main) with env and args, as
// user uid when uid >= 0, and returns its exit code and stderr.
func runToExit(t *testing.T, uid int, env []string, args ...string) (int, string, time.Duration) {
	t.Helper()
	bin := os.Args[0]
	if uid >= 0 {
		// Another user cannot reach the test binary in go test's private
		// directory: copy it somewhere it can.
		dir, err := os.MkdirTemp("", "pngd-bin")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		os.Chmod(dir, 0o755)
		data, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(dir, "pngd.test")
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "PNGD_TEST_RUN_MAIN=1"), env...)
	if uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
		cmd.Env = append(cmd.Env, "HOME=/nonexistent")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String(), time.Since(start)
	case errors.As(err, &exit):
		return exit.ExitCode(), stderr.String(), time.Since(start)
	}
	t.Fatalf("pngd did not run: %v", err)
	return 0, "", 0
}

// TestStartRefusesAStoreItCannotUse: a store that refuses pngd for good
// stops it at start, with exit code 78 and a message that names the cause,
// on local disk and on a real MinIO, and S3 without credentials fails fast,
// without waiting on the cloud metadata endpoint.
func TestStartRefusesAStoreItCannotUse(t *testing.T) {
	minio := miniotest.Start(t)
	bucket := minio.Bucket(t, "startprobe")
	missing := strings.Replace(bucket, "s3://startprobe?", "s3://no-such-bucket?", 1)

	unwritable := t.TempDir()
	os.Chmod(unwritable, 0o755) // readable by others, writable by its owner only
	fileInside := t.TempDir()
	os.WriteFile(filepath.Join(fileInside, "images"), []byte("not a directory"), 0o644)

	type tc struct {
		name, storage string
		env           []string
		uid           int
		want          string
	}
	cases := []tc{
		{"a file where a directory must be", "file://" + fileInside, nil, -1, "is a file, not a directory"},
		{"a directory that cannot be made", "file:///proc/pngd-store", nil, -1, "cannot be created"},
		{"missing bucket", missing, miniotest.Env(), -1, "the bucket does not exist"},
		{"wrong key", bucket, append(miniotest.Env(), "AWS_SECRET_ACCESS_KEY=not-the-secret"), -1, "refuses pngd's credentials"},
		{"no credentials", bucket, []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_EC2_METADATA_DISABLED="}, -1, "no credentials"},
	}
	if os.Geteuid() == 0 {
		// root writes anywhere: the unwritable directory is tried as nobody.
		cases = append(cases, tc{"an unwritable directory", "file://" + unwritable, nil, 65534, "no permission to write"})
	} else {
		os.Chmod(unwritable, 0o555)
		cases = append(cases, tc{"an unwritable directory", "file://" + unwritable, nil, -1, "no permission to write"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stderr, took := runToExit(t, c.uid, c.env, "-storage", c.storage)
			if code != exitConfig || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "the store refuses pngd") {
				t.Errorf("exit %d after %v, stderr:\n%s\nwant exit %d naming %q", code, took, stderr, exitConfig, c.want)
			}
			if took > 10*time.Second {
				t.Errorf("took %v to give up", took)
			}
			if strings.Contains(stderr, "169.254.169.254") {
				t.Errorf("asked the cloud metadata endpoint:\n%s", stderr)
			}
		})
	}
}

// TestStartWithStoreDown: a store that cannot be reached at start may come
// back, so pngd serves, and /readyz says 503 with Retry-After meanwhile.
func TestStartWithStoreDown(t *testing.T) {
	minio := miniotest.Start(t)
	bucket := minio.Bucket(t, "down")
	minio.Stop()
	p := startProcess(t, miniotest.Env(), "-storage", bucket)
	resp, err := http.Get(p.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("/readyz with the store down: %d, Retry-After %q; want 503 with it", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(p.stderr.String(), "cannot be reached yet") {
		t.Errorf("the log does not say the store is down:\n%s", p.stderr.String())
	}
}

// TestMetricsAddr: with -metrics-addr, the metrics are served on their own
// listener (in the Prometheus format, the store's probe among them) and the
// API's /metrics answers 404.
func TestMetricsAddr(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-storage", "file://"+filepath.ToSlash(t.TempDir()), "-drain-delay", "0s")
	cmd.Env = append(os.Environ(), "PNGD_TEST_RUN_MAIN=1")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewReader(stdout)
	first, _ := lines.ReadString('\n')
	second, _ := lines.ReadString('\n')
	api := listening.FindStringSubmatch(first)
	mtr := regexp.MustCompile(`metrics on (http://\S+)`).FindStringSubmatch(second)
	if api == nil || mtr == nil {
		t.Fatalf("pngd printed %q and %q", first, second)
	}
	if _, err := http.Get(api[1] + "/readyz"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(mtr[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `pngd_http_requests_total{code="200",operation="getReady"} 1`) || !strings.Contains(string(body), `pngd_store_operations_total{op="probe",outcome="ok"}`) {
		t.Errorf("metrics listener: %d\n%s", resp.StatusCode, body)
	}
	resp, err = http.Get(api[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("API's /metrics with -metrics-addr: %d, want 404", resp.StatusCode)
	}
}
