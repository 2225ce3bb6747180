package store

import (
	"context"

	"gocloud.dev/blob"
)

// NewWriterForTest opens the kind of writer Put uses, for tests that stop
// a write halfway.
func (s *Store) NewWriterForTest(ctx context.Context, key string) (*blob.Writer, error) {
	return s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "image/png", IfNotExist: true})
}
