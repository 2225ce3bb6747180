package httpapi

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/miniotest"
	"github.com/pngd/pngd/internal/store"
)

// countingStore counts the probes that reach the store.
type countingStore struct {
	*store.Store
	probes atomic.Int64
}

func (c *countingStore) Probe(ctx context.Context) error {
	c.probes.Add(1)
	return c.Store.Probe(ctx)
}

// TestReadyzTellsTheTruth: /readyz probes the store with a write, a read
// and a delete; a store that starts refusing pngd (here a file where its
// images directory was) turns it 500, naming the cause, and uploads get
// 500 too, not a misleading 503; fixed, it is 200 again.
// refusingStore is a store on a directory, and the function that makes
// it refuse pngd: a file where its images directory was.
func refusingStore(t *testing.T) (st *store.Store, refuse func() (undo func())) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), "file://"+filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	images := filepath.Join(dir, "images")
	return st, func() func() {
		if err := os.RemoveAll(images); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(images, []byte("in the way"), 0o644); err != nil {
			t.Fatal(err)
		}
		return func() { os.Remove(images) }
	}
}

func TestReadyzTellsTheTruth(t *testing.T) {
	st, refuse := refusingStore(t)
	srv, c := newTestServer(t, Config{Library: library.New(st, library.Options{})})
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 200, 0, 0, "")

	undo := refuse()
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 500, 0, 0, "is a file, not a directory")
	expect(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/png", string(encodeAs(t, "png", testCard(9, 9)))), 500, 0, 0, "refuses this server")

	undo()
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 200, 0, 0, "")
}

// TestReadyzCachesItsProbe: a load balancer asking often costs the store
// one probe per ProbeEvery.
func TestReadyzCachesItsProbe(t *testing.T) {
	st := &countingStore{Store: openDirStore(t)}
	srv, c := newTestServer(t, Config{Library: library.New(st, library.Options{}), ProbeEvery: time.Hour})
	for range 5 {
		expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 200, 0, 0, "")
	}
	if n := st.probes.Load(); n != 1 {
		t.Errorf("5 questions probed the store %d times, want 1", n)
	}
}

// TestReadyzOnMinIO: on a real MinIO, a bucket deleted under pngd is a
// refusal (500, "does not exist"), and a stopped server an outage (503
// with Retry-After).
func TestReadyzOnMinIO(t *testing.T) {
	minio := miniotest.Start(t)
	gone, err := store.Open(context.Background(), minio.Bucket(t, "deleted-later"))
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	srv, c := newTestServer(t, Config{Library: library.New(gone, library.Options{})})
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 200, 0, 0, "")
	minio.DeleteBucket(t, "deleted-later")
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 500, 0, 0, "the bucket does not exist")

	minio.Stop()
	resp, _ := do(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("/readyz with MinIO stopped: %d, Retry-After %q; want 503 with it", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestReadyzLearnsFromRequests: a store failure a request meets turns
// /readyz at once, though its last probe (cached for an hour here) passed.
func TestReadyzLearnsFromRequests(t *testing.T) {
	st, refuse := refusingStore(t)
	srv, c := newTestServer(t, Config{Library: library.New(st, library.Options{}), ProbeEvery: time.Hour})
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 200, 0, 0, "")
	refuse()
	expect(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/png", string(encodeAs(t, "png", testCard(9, 9)))), 500, 0, 0, "refuses this server")
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 500, 0, 0, "is a file, not a directory")
}
