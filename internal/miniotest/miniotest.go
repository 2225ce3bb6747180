// Package miniotest starts real MinIO servers on loopback for tests. The
// binary is the one `make test` installs into the repository's .bin/; with
// CI=true a missing binary fails the test instead of skipping it.
package miniotest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The credentials every test server uses.
const (
	AccessKey = "pngdtest"
	SecretKey = "pngdtest-secret-key"
	Region    = "us-east-1"
)

// Server is a MinIO server on loopback.
type Server struct {
	Endpoint string // http://127.0.0.1:port
	cmd      *exec.Cmd
	stopOnce sync.Once
}

var envOnce sync.Once

// Env returns the environment a pngd process needs to reach a test server.
func Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_REGION=" + Region, "AWS_EC2_METADATA_DISABLED=true",
	}
}

// Binary finds .bin/minio above the working directory. Without it the test
// is skipped, or failed when CI is set.
func Binary(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			bin := filepath.Join(dir, ".bin", "minio")
			if _, err := os.Stat(bin); err != nil {
				msg := fmt.Sprintf("MinIO is not installed at %s; `make test` installs it", bin)
				if os.Getenv("CI") != "" {
					t.Fatal(msg)
				}
				t.Skip(msg)
			}
			return bin
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start runs a MinIO server on a free loopback port with its data in a
// temporary directory, and stops it when the test ends. It also sets the
// AWS_* variables of Env in this process, so that s3:// URLs reach it.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	envOnce.Do(func() {
		for _, kv := range Env() {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	})
	port, console := freePort(t), freePort(t)
	s := &Server{Endpoint: "http://127.0.0.1:" + port}
	s.cmd = exec.Command(bin, "server", t.TempDir(), "--address", "127.0.0.1:"+port, "--console-address", "127.0.0.1:"+console, "--quiet")
	s.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+AccessKey, "MINIO_ROOT_PASSWORD="+SecretKey, "MINIO_BROWSER=off", "MINIO_UPDATE=off")
	out := &lockedBuffer{}
	s.cmd.Stdout, s.cmd.Stderr = out, out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("MinIO did not become ready in 60s: %v\n%s", err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop kills the server; later requests to it fail to connect.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	})
}

// DeleteBucket empties and deletes a bucket, as an operator's mistake
// would.
func (s *Server) DeleteBucket(t testing.TB, name string) {
	t.Helper()
	client := s.client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	objs, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
	if err != nil {
		t.Fatalf("listing bucket %s: %v", name, err)
	}
	for _, o := range objs.Contents {
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key}); err != nil {
			t.Fatalf("emptying bucket %s: %v", name, err)
		}
	}
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("deleting bucket %s: %v", name, err)
	}
}

func (s *Server) client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint), Region: Region, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// Bucket creates a bucket and returns the s3:// storage URL for it.
func (s *Server) Bucket(t testing.TB, name string) string {
	t.Helper()
	client := s.client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	return fmt.Sprintf("s3://%s?endpoint=%s&region=%s", name, s.Endpoint, Region)
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
