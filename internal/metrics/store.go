package metrics

import (
	"context"
	"strings"
	"time"

	"github.com/pngd/pngd/internal/store"
)

// Store counts and times every operation on s, and the bytes written, for
// the library to use in its place.
func (m *Metrics) Store(s *store.Store) *Store { return &Store{s: s, m: m} }

// Store is a store.Store that reports to Metrics.
type Store struct {
	s *store.Store
	m *Metrics
}

// kind names what a key holds, for the written-bytes counter.
func kind(key string) string {
	switch {
	case strings.HasPrefix(key, "images/.probe-"):
		return "probe"
	case strings.HasPrefix(key, "images/"):
		return "image"
	case strings.HasPrefix(key, "derived/"):
		return "derived"
	}
	return "other"
}

func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) (store.Object, bool, error) {
	start := time.Now()
	o, created, err := s.s.Put(ctx, key, data, contentType)
	s.m.store("put", start, err)
	if err == nil && created {
		s.m.written.WithLabelValues(kind(key)).Add(float64(len(data)))
	}
	return o, created, err
}

func (s *Store) Stat(ctx context.Context, key string) (store.Object, error) {
	start := time.Now()
	o, err := s.s.Stat(ctx, key)
	s.m.store("stat", start, err)
	return o, err
}

func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (*store.Reader, error) {
	start := time.Now()
	r, err := s.s.OpenRange(ctx, key, offset, length)
	s.m.store("open", start, err)
	return r, err
}

func (s *Store) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := s.s.Delete(ctx, key)
	s.m.store("delete", start, err)
	return err
}

func (s *Store) List(ctx context.Context, prefix string, cursor []byte, limit int) ([]store.Object, []byte, error) {
	start := time.Now()
	objs, next, err := s.s.List(ctx, prefix, cursor, limit)
	s.m.store("list", start, err)
	return objs, next, err
}

func (s *Store) Ping(ctx context.Context) error {
	start := time.Now()
	err := s.s.Ping(ctx)
	s.m.store("ping", start, err)
	return err
}

// Probe is store.Store's, counted as one "probe" operation.
func (s *Store) Probe(ctx context.Context) error {
	start := time.Now()
	err := s.s.Probe(ctx)
	s.m.store("probe", start, err)
	return err
}

// RemoveEmptyDir is store.Store's.
func (s *Store) RemoveEmptyDir(prefix string) { s.s.RemoveEmptyDir(prefix) }
