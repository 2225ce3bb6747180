package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/miniotest"
	"github.com/pngd/pngd/internal/store"
)

func TestMain(m *testing.M) {
	// TestKilledMidWrite re-runs this binary as a writer that dies.
	if u := os.Getenv("PNGD_TEST_DIE_MID_WRITE"); u != "" {
		dieMidWrite(u)
	}
	os.Exit(m.Run())
}

// dieMidWrite starts writing a 12 MiB object to the store at u, sends half
// of it, and SIGKILLs its own process before the write can finish.
func dieMidWrite(u string) {
	st, err := store.Open(context.Background(), u)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w, err := st.NewWriterForTest(context.Background(), "images/half")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	half := bytes.Repeat([]byte{0xab}, 6<<20)
	if _, err := w.Write(half); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	time.Sleep(300 * time.Millisecond) // let a multipart upload's first part reach S3
	fmt.Println("half written")
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// TestKilledMidWrite: a process killed in the middle of writing an object,
// on either backend, leaves no object behind, partial or whole.
func TestKilledMidWrite(t *testing.T) {
	minio := miniotest.Start(t)
	for _, u := range []string{"file://" + filepath.ToSlash(t.TempDir()), minio.Bucket(t, "midwrite")} {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(append(os.Environ(), miniotest.Env()...), "PNGD_TEST_DIE_MID_WRITE="+u)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || !strings.Contains(string(out), "half written") {
			t.Fatalf("%s: the writer did not die mid-write: %v\n%s", u, err, out)
		}
		st, err := store.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Stat(ctx, "images/half"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: after the writer died, Stat = %v; want ErrNotFound", u, err)
		}
		objs, _, err := st.List(ctx, "images/", nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		temps := 0
		for _, o := range objs {
			if !strings.HasSuffix(o.Key, ".tmp") {
				t.Errorf("%s: visible object %q after the writer died", u, o.Key)
			}
			temps++
		}
		// On disk the half-written bytes are there, in a temporary file
		// that no reader takes for the object.
		if strings.HasPrefix(u, "file://") && temps != 1 {
			t.Errorf("%s: %d temporary files, want the dead writer's one", u, temps)
		}
		st.Close()
	}
}

// backends opens one store of each kind: a directory and a real MinIO
// bucket. Every test of the conformance suite runs on both.
func backends(t *testing.T) map[string]*store.Store {
	t.Helper()
	minio := miniotest.Start(t)
	urls := map[string]string{
		"file": "file://" + filepath.ToSlash(t.TempDir()),
		"s3":   minio.Bucket(t, "conformance"),
	}
	stores := map[string]*store.Store{}
	for name, u := range urls {
		st, err := store.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[name] = st
	}
	return stores
}

// TestConformance is the suite every backend passes.
func TestConformance(t *testing.T) {
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("put and read back", func(t *testing.T) { testPutGet(t, st) })
			t.Run("ranges", func(t *testing.T) { testRanges(t, st) })
			t.Run("put is idempotent and race-free", func(t *testing.T) { testConcurrentPut(t, st) })
			t.Run("not found", func(t *testing.T) { testNotFound(t, st) })
			t.Run("delete", func(t *testing.T) { testDelete(t, st) })
			t.Run("list pages", func(t *testing.T) { testList(t, st) })
			t.Run("ping", func(t *testing.T) {
				if err := st.Ping(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

var ctx = context.Background()

func testPutGet(t *testing.T, st *store.Store) {
	data := bytes.Repeat([]byte("pngd"), 1000)
	put, created, err := st.Put(ctx, "a/obj", data, "image/png")
	if err != nil || !created || put.Size != int64(len(data)) {
		t.Fatalf("Put = %+v, %v, %v; want the object, true, nil", put, created, err)
	}
	o, err := st.Stat(ctx, "a/obj")
	if err != nil {
		t.Fatal(err)
	}
	if o.Size != int64(len(data)) || o.ModTime.IsZero() {
		t.Errorf("Stat = %+v, want size %d and a time", o, len(data))
	}
	got, err := st.ReadAll(ctx, "a/obj")
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("read back %d bytes (%v), want the %d written", len(got), err, len(data))
	}
}

func testRanges(t *testing.T, st *store.Store) {
	data := []byte("0123456789")
	if _, _, err := st.Put(ctx, "ranges", data, "image/png"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		off, n int64
		want   string
	}{{0, 10, "0123456789"}, {3, 4, "3456"}, {9, 1, "9"}, {5, -1, "56789"}} {
		r, err := st.OpenRange(ctx, "ranges", tt.off, tt.n)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err = r.WriteTo(&buf)
		r.Close()
		if err != nil || buf.String() != tt.want {
			t.Errorf("OpenRange(%d, %d) = %q, %v; want %q", tt.off, tt.n, buf.String(), err, tt.want)
		}
	}
}

func testConcurrentPut(t *testing.T, st *store.Store) {
	data := bytes.Repeat([]byte{7}, 256<<10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdCount := 0
	for range 8 {
		wg.Go(func() {
			_, created, err := st.Put(ctx, "same", data, "image/png")
			if err != nil {
				t.Error(err)
			}
			if created {
				mu.Lock()
				createdCount++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if createdCount < 1 {
		t.Errorf("no Put reported creating the object")
	}
	got, err := st.ReadAll(ctx, "same")
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("after 8 concurrent Puts the object has %d bytes (%v), want the %d written", len(got), err, len(data))
	}
	if _, created, err := st.Put(ctx, "same", data, "image/png"); err != nil || created {
		t.Errorf("Put of an existing key = %v, %v; want false, nil", created, err)
	}
}

func testNotFound(t *testing.T, st *store.Store) {
	if _, err := st.Stat(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Stat(missing) = %v, want ErrNotFound", err)
	}
	if _, err := st.OpenRange(ctx, "missing", 0, -1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("OpenRange(missing) = %v, want ErrNotFound", err)
	}
	if err := st.Delete(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete(missing) = %v, want ErrNotFound", err)
	}
}

func testDelete(t *testing.T, st *store.Store) {
	if _, _, err := st.Put(ctx, "doomed", []byte("x"), "image/png"); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stat(ctx, "doomed"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
	}
}

func testList(t *testing.T, st *store.Store) {
	want := []string{}
	for i := range 5 {
		k := fmt.Sprintf("list/%02d", i)
		want = append(want, k)
		if _, _, err := st.Put(ctx, k, []byte{byte(i)}, "image/png"); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	var cursor []byte
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("listing does not end")
		}
		objs, next, err := st.List(ctx, "list/", cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) > 2 {
			t.Errorf("page of %d objects, limit 2", len(objs))
		}
		for _, o := range objs {
			got = append(got, o.Key)
		}
		if next == nil {
			break
		}
		cursor = next
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("listed %v, want %v", got, want)
	}
}

// TestFileReaderIsTheFile: on local disk the body WriteTo hands on is the
// open file (in an io.LimitedReader for a range), which net/http's
// TCPConn.ReadFrom sends with sendfile(2).
func TestFileReaderIsTheFile(t *testing.T) {
	st, err := store.Open(ctx, "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := st.Put(ctx, "f", []byte("0123456789"), "image/png"); err != nil {
		t.Fatal(err)
	}
	r, err := st.OpenRange(ctx, "f", 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	lr, ok := r.Backend().(*io.LimitedReader)
	if !ok {
		t.Fatalf("backend reader is %T, want *io.LimitedReader", r.Backend())
	}
	if _, ok := lr.R.(*os.File); !ok {
		t.Fatalf("limited reader wraps %T, want *os.File", lr.R)
	}
	rf := &readFromRecorder{}
	if _, err := r.WriteTo(rf); err != nil {
		t.Fatal(err)
	}
	if rf.src != r.Backend() || rf.buf.String() != "23456" {
		t.Errorf("WriteTo gave ReadFrom %T with %q; want the backend reader with \"23456\"", rf.src, rf.buf.String())
	}
}

type readFromRecorder struct {
	src io.Reader
	buf bytes.Buffer
}

func (w *readFromRecorder) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *readFromRecorder) ReadFrom(r io.Reader) (int64, error) {
	w.src = r
	return w.buf.ReadFrom(r)
}

// TestUnreachable: a stopped MinIO is ErrUnavailable, for Ping and reads
// and writes alike.
func TestUnreachable(t *testing.T) {
	minio := miniotest.Start(t)
	st, err := store.Open(ctx, minio.Bucket(t, "gone"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	minio.Stop()
	if err := st.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping = %v, want ErrUnavailable", err)
	}
	if _, err := st.Stat(ctx, "k"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Stat = %v, want ErrUnavailable", err)
	}
	if _, _, err := st.Put(ctx, "k", []byte("x"), "image/png"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put = %v, want ErrUnavailable", err)
	}
}

// TestFullDisk fills a real 1 MiB tmpfs: the write fails with ErrFull and
// leaves no object behind. Mounting needs root (CAP_SYS_ADMIN); elsewhere
// the test is skipped, and ENOSPC is still mapped by TestClassify.
func TestFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); ErrFull is covered by TestClassify", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	st, err := store.Open(ctx, "file://"+filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, _, err = st.Put(ctx, "big", make([]byte, 2<<20), "image/png")
	if !errors.Is(err, store.ErrFull) {
		t.Fatalf("Put of 2 MiB into 1 MiB = %v, want ErrFull", err)
	}
	if _, err := st.Stat(ctx, "big"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after a failed Put, Stat = %v; want ErrNotFound", err)
	}
	if objs, _, err := st.List(ctx, "", nil, 100); err != nil || len(objs) != 0 {
		t.Errorf("after a failed Put the store lists %v (%v), want nothing", objs, err)
	}
}

// TestFilePathWithHash: a # or ? in a file:// path would end the path, and
// the store would silently be another directory (a test's temporary folder
// named "…_#_…" shared one across runs that way); Open refuses, and the
// escaped form opens the directory named.
func TestFilePathWithHash(t *testing.T) {
	dir := t.TempDir()
	for _, raw := range []string{"file://" + dir + "/a#b", "file://" + dir + "/a?b", "file://" + dir + "/a#"} {
		if st, err := store.Open(context.Background(), raw); err == nil || !errors.Is(err, store.ErrRefused) || !strings.Contains(err.Error(), "%23") {
			if st != nil {
				st.Close()
			}
			t.Errorf("store.Open(%s) = %v, want a refusal that says how to write it", raw, err)
		}
	}
	st, err := store.Open(context.Background(), "file://"+dir+"/a%23b")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := os.Stat(filepath.Join(dir, "a#b")); err != nil {
		t.Errorf("file://…/a%%23b did not open the folder a#b: %v", err)
	}
}
