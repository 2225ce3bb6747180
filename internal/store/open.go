package store

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
)

// Open opens the store a URL names:
//
//	file://./data       a directory, relative (host ".") or absolute
//	                    (file:///var/lib/pngd); created if missing
//	s3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1
//	                    an S3-compatible bucket; credentials come from the
//	                    standard AWS environment variables and files
//
// Every gocloud.dev URL parameter of the two schemes works. With an
// endpoint, path-style addressing is the default (use_path_style=false turns
// it off), since that is what MinIO and most S3-compatible stores expect.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("storage URL %q: %w", rawURL, err)
	}
	q := u.Query()
	var b *blob.Bucket
	var dir string
	switch u.Scheme {
	case "file":
		// A # or ? in the path would end it, and the store would silently
		// be another directory: refuse, and say how to write them.
		if strings.ContainsAny(rawURL, "#?") {
			return nil, &refusal{"a file:// path with # or ? in it must write them as %23 and %3F", fmt.Errorf("storage URL %q has a query or fragment", rawURL)}
		}
		b, dir, err = openDir(u)
	case "s3":
		// The AWS SDK's last resort for credentials is the EC2 metadata
		// endpoint: off EC2, that is seconds of timeouts before an error
		// that says nothing of the missing keys. pngd asks it only when
		// the configuration does (AWS_EC2_METADATA_DISABLED=false, as on
		// an EC2 instance with a role).
		if os.Getenv("AWS_EC2_METADATA_DISABLED") == "" {
			os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		}
		// The SDK's retries, bounded: two attempts, not three with
		// backoff, so that a store that refuses connections is known
		// down in about a second (breaker.go answers the rest at once).
		if os.Getenv("AWS_MAX_ATTEMPTS") == "" {
			os.Setenv("AWS_MAX_ATTEMPTS", "2")
		}
		if q.Has("endpoint") && !q.Has("use_path_style") && !q.Has("s3ForcePathStyle") {
			q.Set("use_path_style", "true")
			u.RawQuery = q.Encode()
		}
		b, err = (&s3blob.URLOpener{}).OpenBucketURL(ctx, u)
	default:
		return nil, fmt.Errorf("storage URL %q: the scheme must be file:// or s3://", rawURL)
	}
	if err != nil {
		if cause := refusedCause(err); cause != "" {
			err = &refusal{cause, err}
		}
		return nil, fmt.Errorf("opening storage %s: %w", u.Redacted(), err)
	}
	return &Store{bucket: b, name: u.Redacted(), dir: dir}, nil
}

// openDir opens a directory bucket whose temporary files sit next to the
// objects (fileblob's no_tmp_dir): os.Rename from os.TempDir fails when that
// is another filesystem, and a rename within one directory is atomic.
// Temporary names end in ".tmp", which pngd's keys never do; Open removes
// stale ones.
func openDir(u *url.URL) (*blob.Bucket, string, error) {
	dir := u.Path
	if u.Host == "." {
		dir = strings.TrimPrefix(dir, "/")
	}
	if u.Host != "" && u.Host != "." && u.Host != "localhost" {
		return nil, "", fmt.Errorf("file:// URLs name a local directory; got host %q", u.Host)
	}
	dir = filepath.FromSlash(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", &refusal{"the store's directory cannot be created", err}
	}
	if err := sweepTemp(dir, time.Now().Add(-staleTemp)); err != nil {
		return nil, "", err
	}
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true, Metadata: fileblob.MetadataDontWrite, DirFileMode: 0o755})
	return b, dir, err
}

// staleTemp is how old a temporary file must be before Open removes it. A
// write lasts seconds; one this old was left by a process that died.
const staleTemp = 15 * time.Minute

// tempName matches fileblob's temporary files: <key>.<hex nanoseconds>.tmp.
var tempName = regexp.MustCompile(`\.[0-9a-f]+\.tmp$`)

// sweepTemp removes temporary files older than before: what a process
// killed in mid-write leaves. They were never visible as objects.
func sweepTemp(dir string, before time.Time) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !tempName.MatchString(d.Name()) {
			return err
		}
		if info, err := d.Info(); err == nil && info.ModTime().Before(before) {
			os.Remove(path)
		}
		return nil
	})
}
