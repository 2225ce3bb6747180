// Package store keeps pngd's objects in a bucket: a directory on local disk
// or an S3-compatible object store, both through gocloud.dev/blob. Writes are
// atomic on both: an object is either absent or complete.
package store

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/pngd/pngd/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/smithy-go"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// The errors Store's methods return, wrapped around the backend's own.
var (
	// ErrNotFound means no object has the key.
	ErrNotFound = errors.New("store: no such object")
	// ErrFull means the store has no room for the object; nothing was stored.
	ErrFull = errors.New("store: out of space")
	// ErrUnavailable means the store could not be reached.
	ErrUnavailable = errors.New("store: unreachable")
	// ErrBadCursor means a List cursor the backend does not recognise.
	ErrBadCursor = errors.New("store: unknown list cursor")
	// ErrRefused means the store refuses pngd for a reason that waiting
	// will not mend: no permission to write its directory, a read-only
	// file system, a bucket that does not exist, credentials that are
	// wrong or missing. An operator must fix the configuration.
	ErrRefused = errors.New("store: refuses pngd")
)

// RefusedCause names, in words for an operator, why the store refuses pngd
// when err is ErrRefused: never the backend's own error text.
func RefusedCause(err error) string {
	var c *refusal
	if errors.As(err, &c) {
		return c.cause
	}
	return "the store refuses pngd's requests"
}

// refusal is an ErrRefused with its cause.
type refusal struct {
	cause string
	err   error
}

func (r *refusal) Error() string   { return r.cause + ": " + r.err.Error() }
func (r *refusal) Unwrap() []error { return []error{ErrRefused, r.err} }

// refusedCause classifies a permanent failure, or returns "".
func refusedCause(err error) string {
	var api smithy.APIError
	code := ""
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	msg := err.Error()
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "pngd has no permission to write the store's directory"
	case errors.Is(err, syscall.EROFS):
		return "the store's directory is on a read-only file system"
	case errors.Is(err, syscall.ENOTDIR):
		return "a path inside the store's directory is a file, not a directory"
	case code == "NoSuchBucket":
		return "the bucket does not exist"
	case code == "InvalidBucketName":
		return "the bucket's name is not a valid bucket name (3 to 63 lowercase letters, digits, dots and hyphens)"
	case code == "InvalidAccessKeyId", code == "SignatureDoesNotMatch", code == "InvalidToken", code == "ExpiredToken":
		return "the store refuses pngd's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
	case code == "AccessDenied", code == "AllAccessDisabled", code == "AccountProblem":
		return "the credentials may not read and write the bucket"
	case strings.Contains(msg, "failed to retrieve credentials"), strings.Contains(msg, "failed to refresh cached credentials"),
		strings.Contains(msg, "no EC2 IMDS role found"), strings.Contains(msg, "static credentials are empty"):
		return "pngd has no credentials for the bucket (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
	}
	return ""
}

// Object describes a stored object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Store is a bucket of objects. It is safe for concurrent use.
type Store struct {
	bucket  *blob.Bucket
	name    string // the URL, without credentials, for logs
	dir     string // on local disk, the directory; "" on S3
	breaker breaker
}

// Name says where the objects are kept.
func (s *Store) Name() string { return s.name }

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Put stores data under key unless an object is there already, in which
// case it reports created == false and leaves that object alone: pngd's keys
// name their content, so the object there is the same. It returns the
// object now at key. The write is atomic. Errors: ErrFull, ErrUnavailable.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) (o Object, created bool, err error) {
	ctx, span := tracing.Start(ctx, "store.put", attribute.String("pngd.key", key), attribute.Int("pngd.bytes", len(data)))
	defer func() { tracing.End(span, err) }()
	switch o, err := s.Stat(ctx, key); {
	case err == nil:
		return o, false, nil
	case !errors.Is(err, ErrNotFound):
		return Object{}, false, err
	}
	var raw error
	err = s.guard(ctx, writeTimeout, func(ctx context.Context) error {
		raw = s.write(ctx, key, data, contentType)
		if raw != nil && gcerrors.Code(raw) != gcerrors.FailedPrecondition {
			return classify("writing "+key, raw)
		}
		return nil
	})
	if err != nil {
		return Object{}, false, err
	}
	created = raw == nil
	// The store sets the time; read it back.
	o, err = s.Stat(ctx, key)
	return o, created, err
}

// write writes one object atomically. It does not use Bucket.WriteAll: when
// a Write fails (ENOSPC), WriteAll still Closes the writer, and fileblob
// then renames the partial temporary file into place (TestFullDisk caught
// it). Cancelling the writer's context is gocloud's way to abort.
// IfNotExist settles a race with another writer of the same key: one wins,
// the other gets FailedPrecondition and finds the object there.
func (s *Store) write(ctx context.Context, key string, data []byte, contentType string) error {
	ctx, abort := context.WithCancel(ctx)
	defer abort()
	opts := &blob.WriterOptions{ContentType: contentType, IfNotExist: true}
	if s.dir == "" {
		// Over the network the store checks the bytes it received
		// against their MD5. On local disk there is no transfer to
		// check, and fileblob hashes what it writes anyway (for its
		// attributes): hashing the bytes twice more, ours and gocloud's
		// check of it, was 3% of a cold derive's CPU.
		sum := md5.Sum(data)
		opts.ContentMD5 = sum[:]
	}
	w, err := s.bucket.NewWriter(ctx, key, opts)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		abort()
		w.Close()
		return err
	}
	return w.Close()
}

// Stat describes the object at key. Errors: ErrNotFound, ErrUnavailable.
func (s *Store) Stat(ctx context.Context, key string) (Object, error) {
	if path := s.file(key); path != "" {
		fi, err := os.Stat(path)
		if err == nil && fi.IsDir() {
			err = fs.ErrNotExist
		}
		if err != nil {
			return Object{}, fileError("reading "+key, err)
		}
		return Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
	}
	var a *blob.Attributes
	err := s.guard(ctx, callTimeout, func(ctx context.Context) (err error) {
		if a, err = s.bucket.Attributes(ctx, key); err != nil {
			return classify("reading "+key, err)
		}
		return nil
	})
	if err != nil {
		return Object{}, err
	}
	return Object{Key: key, Size: a.Size, ModTime: a.ModTime}, nil
}

// Reader is an open object, or a range of one. Its WriteTo hands the
// backend's own reader to the destination's ReadFrom, so an object on local
// disk reaches a TCP connection through sendfile(2), never through a
// user-space buffer.
type Reader struct {
	size    int64
	modTime time.Time
	closer  io.Closer
	body    io.Reader // the backend's reader: an *os.File in an *io.LimitedReader, on local disk
}

// file is key's path on local disk, or "" on S3 and for a key that
// fileblob would escape (pngd's keys never need it). On disk, Stat and
// OpenRange use the file directly: fileblob also looks for an attributes
// sidecar on every call (pngd writes none), two failed opens per request.
func (s *Store) file(key string) string {
	if s.dir == "" || key == "" || key[0] == '/' || strings.Contains(key, "..") || strings.Contains(key, "//") || strings.HasSuffix(key, "/") {
		return ""
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' || c == '/') {
			return ""
		}
	}
	return filepath.Join(s.dir, filepath.FromSlash(key))
}

// fileError is a local file's error as the store's.
func fileError(op string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w: %w", op, ErrNotFound, err)
	}
	return classify(op, err)
}

// OpenRange opens length bytes of the object at key from offset; a negative
// length reads to the end. Errors: ErrNotFound, ErrUnavailable.
func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (*Reader, error) {
	ctx, span := tracing.Start(ctx, "store.open", attribute.String("pngd.key", key))
	if path := s.file(key); path != "" {
		r, err := openFile(path, offset, length)
		if err != nil {
			err = fileError("opening "+key, err)
		}
		tracing.End(span, err)
		return r, err
	}
	// The breaker, but not a deadline: the body streams under ctx, as
	// long as the client takes to read it.
	done, err := s.breaker.enter(time.Now())
	if err != nil {
		tracing.End(span, err)
		return nil, err
	}
	r, err := s.bucket.NewRangeReader(ctx, key, offset, length, nil)
	if err != nil {
		err = classify("opening "+key, err)
		done(err)
		tracing.End(span, err)
		return nil, err
	}
	done(nil)
	tracing.End(span, nil)
	var body io.Reader
	if !r.As(&body) { // only fileblob exposes its io.Reader
		body = r
	}
	if f, ok := body.(*os.File); ok {
		// fileblob hands over a bare file for a read to the end. Bounded,
		// it cannot reach *os.File's own WriteTo, which would hide it from
		// net/http's ReadFrom behind a wrapper and lose sendfile.
		body = &io.LimitedReader{R: f, N: r.Size() - offset}
	}
	return &Reader{size: r.Size(), modTime: r.ModTime(), closer: r, body: body}, nil
}

// openFile opens length bytes (negative: to the end) of the file at path
// from offset, as a Reader whose body is the *os.File in an
// *io.LimitedReader, which net/http sends with sendfile(2).
func openFile(path string, offset, length int64) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = fs.ErrNotExist
	}
	if err == nil && offset > 0 {
		_, err = f.Seek(offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	n := fi.Size() - offset
	if length >= 0 && length < n {
		n = length
	}
	return &Reader{size: fi.Size(), modTime: fi.ModTime(), closer: f, body: &io.LimitedReader{R: f, N: max(n, 0)}}, nil
}

// Size is the size of the whole object, not of the range.
func (r *Reader) Size() int64 { return r.size }

// ModTime is when the object was written.
func (r *Reader) ModTime() time.Time { return r.modTime }

func (r *Reader) Read(p []byte) (int, error) { return r.body.Read(p) }

// WriteTo copies the object to w, letting w's ReadFrom see the backend's
// reader (net/http's response does, and uses sendfile for files).
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	if rf, ok := w.(io.ReaderFrom); ok {
		return rf.ReadFrom(r.body)
	}
	return io.Copy(w, r.body)
}

// Backend returns the reader WriteTo hands on, for tests that check the
// sendfile path.
func (r *Reader) Backend() io.Reader { return r.body }

// Close releases the object.
func (r *Reader) Close() error { return r.closer.Close() }

// ReadAll reads the whole object at key. Errors: ErrNotFound,
// ErrUnavailable.
func (s *Store) ReadAll(ctx context.Context, key string) (b []byte, err error) {
	ctx, span := tracing.Start(ctx, "store.read", attribute.String("pngd.key", key))
	defer func() { tracing.End(span, err) }()
	r, err := s.OpenRange(ctx, key, 0, -1)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err = io.ReadAll(r)
	if err != nil {
		return nil, classify("reading "+key, err)
	}
	return b, nil
}

// Delete removes the object at key. Errors: ErrNotFound, ErrUnavailable.
func (s *Store) Delete(ctx context.Context, key string) (err error) {
	ctx, span := tracing.Start(ctx, "store.delete", attribute.String("pngd.key", key))
	defer func() { tracing.End(span, err) }()
	if _, err := s.Stat(ctx, key); err != nil {
		return err // S3 deletes a missing key without complaint; pngd reports it
	}
	return s.guard(ctx, callTimeout, func(ctx context.Context) error {
		if err := s.bucket.Delete(ctx, key); err != nil {
			return classify("deleting "+key, err)
		}
		return nil
	})
}

// RemoveEmptyDir removes the directory that holds prefix's objects on
// local disk ("derived/<id>/"), once they are all deleted, so that deleting
// an image leaves no empty folder behind. On S3, where folders are only
// key prefixes, it does nothing. A directory that is not empty, or is gone,
// is left as it is.
func (s *Store) RemoveEmptyDir(prefix string) {
	if s.dir == "" || prefix == "" {
		return
	}
	os.Remove(filepath.Join(s.dir, filepath.FromSlash(prefix)))
}

// List returns up to limit objects under prefix, in key order, from the
// page that cursor names (nil for the first). next is nil after the last
// page. Errors: ErrBadCursor, ErrUnavailable.
func (s *Store) List(ctx context.Context, prefix string, cursor []byte, limit int) (objs []Object, next []byte, err error) {
	ctx, span := tracing.Start(ctx, "store.list", attribute.String("pngd.prefix", prefix))
	defer func() { tracing.End(span, err) }()
	if cursor == nil {
		cursor = blob.FirstPageToken
	}
	var page []*blob.ListObject
	err = s.guard(ctx, callTimeout, func(ctx context.Context) (err error) {
		page, next, err = s.bucket.ListPage(ctx, cursor, limit, &blob.ListOptions{Prefix: prefix})
		// On local disk a listing stats each file it walks, and fails
		// when one is deleted meanwhile (the derived-store quota evicts
		// while others list): the same page again no longer has it.
		for try := 0; try < 3 && gcerrors.Code(err) == gcerrors.NotFound; try++ {
			page, next, err = s.bucket.ListPage(ctx, cursor, limit, &blob.ListOptions{Prefix: prefix})
		}
		switch {
		case errors.Is(err, io.EOF):
			page, next = nil, nil
			return nil
		case gcerrors.Code(err) == gcerrors.InvalidArgument:
			return fmt.Errorf("%w: %w", ErrBadCursor, err)
		case err != nil:
			return classify("listing "+prefix, err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, o := range page {
		if !o.IsDir {
			objs = append(objs, Object{Key: o.Key, Size: o.Size, ModTime: o.ModTime})
		}
	}
	if len(next) == 0 {
		next = nil
	}
	return objs, next, nil
}

// Ping reports whether the store can be reached. Errors: ErrUnavailable.
func (s *Store) Ping(ctx context.Context) (err error) {
	if s.dir == "" {
		defer func() { s.noteProbe(err) }()
	}
	ok, err := s.bucket.IsAccessible(ctx)
	if err != nil {
		return classify("reaching the store", err)
	}
	if !ok {
		return &refusal{"the bucket does not exist", fmt.Errorf("%s does not exist", s.name)}
	}
	return nil
}

// probeKey is where Probe writes: beside the images, where uploads write,
// under a name that is never an image's (the library lists only
// <64 hex>.png), so that a probe left by a crash is never listed.
const probeKey = "images/.probe-"

// Probe writes a small object, reads it back and deletes it: the store
// works for pngd, or the error says why not (ErrRefused, which will not
// mend by itself, or ErrUnavailable, which may).
func (s *Store) Probe(ctx context.Context) (err error) {
	ctx, span := tracing.Start(ctx, "store.probe")
	defer func() { tracing.End(span, err) }()
	if s.dir == "" {
		defer func() { s.noteProbe(err) }()
	}
	var b [12]byte
	rand.Read(b[:])
	key := probeKey + hex.EncodeToString(b[:])
	data := []byte("pngd probe " + time.Now().UTC().Format(time.RFC3339Nano))
	if err := s.write(ctx, key, data, "text/plain"); err != nil {
		return classify("writing a probe", err)
	}
	got, err := s.bucket.ReadAll(ctx, key) // past the breaker: the probe is how it closes
	if err != nil {
		return classify("reading the probe back", err)
	}
	if !bytes.Equal(got, data) {
		return fmt.Errorf("%w: reading the probe back gave other bytes", ErrUnavailable)
	}
	if err := s.bucket.Delete(ctx, key); err != nil {
		return classify("deleting the probe", err)
	}
	return nil
}

// classify wraps a backend error in the Store error it amounts to, keeping
// the original for the log.
func classify(op string, err error) error {
	var api smithy.APIError
	var netErr net.Error
	if cause := refusedCause(err); cause != "" {
		return fmt.Errorf("%s: %w", op, &refusal{cause, err})
	}
	switch {
	case gcerrors.Code(err) == gcerrors.NotFound:
		return fmt.Errorf("%s: %w: %w", op, ErrNotFound, err)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT),
		errors.As(err, &api) && (api.ErrorCode() == "XMinioStorageFull" || api.ErrorCode() == "InsufficientStorage"):
		return fmt.Errorf("%s: %w: %w", op, ErrFull, err)
	case errors.As(err, &netErr), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.ErrUnexpectedEOF),
		gcerrors.Code(err) == gcerrors.DeadlineExceeded, gcerrors.Code(err) == gcerrors.ResourceExhausted,
		errors.As(err, &api) && (api.ErrorCode() == "SlowDown" || api.ErrorCode() == "ServiceUnavailable" || api.ErrorCode() == "XMinioServerNotInitialized"):
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
