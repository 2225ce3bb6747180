package library

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pngd/pngd/internal/store"
)

// quota bounds the bytes derived images and pyramid levels take in the
// store: it knows each derived object's size and when this node last used
// it, and once the total passes the limit it deletes the least recently
// used until the total is back under nine tenths of it. On a store shared
// by several nodes each node counts what it has seen (listed at start,
// written, or read since), so the bound holds per node; a bucket lifecycle
// rule bounds the rest (README, "Limits").
type quota struct {
	limit int64 // <= 0: no limit
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	objects map[string]quotaEntry
	total   int64
	evicted int64
	running bool
}

type quotaEntry struct {
	size int64
	used time.Time
}

func newQuota(limit int64, now func() time.Time, log *slog.Logger) *quota {
	return &quota{limit: limit, now: now, log: log, objects: map[string]quotaEntry{}}
}

// scan counts the derived objects already in the store, oldest first.
func (q *quota) scan(ctx context.Context, s Store) error {
	var token []byte
	for {
		objs, next, err := s.List(ctx, derivedPrefix, token, 1000)
		if err != nil {
			return err
		}
		q.mu.Lock()
		for _, o := range objs {
			if _, ok := q.objects[o.Key]; !ok {
				q.objects[o.Key] = quotaEntry{o.Size, o.ModTime}
				q.total += o.Size
			}
		}
		q.mu.Unlock()
		if len(next) == 0 {
			return nil
		}
		token = next
	}
}

// added records a derived object written, and starts an eviction when the
// total is over the limit.
func (q *quota) added(s Store, key string, size int64) {
	q.mu.Lock()
	if old, ok := q.objects[key]; ok {
		q.total -= old.size
	}
	q.objects[key] = quotaEntry{size, q.now()}
	q.total += size
	over := q.limit > 0 && q.total > q.limit && !q.running
	if over {
		q.running = true
	}
	q.mu.Unlock()
	if over {
		go q.evict(s)
	}
}

// used records a read of a derived object.
func (q *quota) used(key string) {
	q.mu.Lock()
	if e, ok := q.objects[key]; ok {
		e.used = q.now()
		q.objects[key] = e
	}
	q.mu.Unlock()
}

// forget drops every object under prefix (a deleted source's).
func (q *quota) forget(prefix string) {
	q.mu.Lock()
	for k, e := range q.objects {
		if strings.HasPrefix(k, prefix) {
			q.total -= e.size
			delete(q.objects, k)
		}
	}
	q.mu.Unlock()
}

// Bytes is the derived bytes this node knows of in the store.
func (q *quota) Bytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

// evict deletes the least recently used derived objects until the total is
// under nine tenths of the limit.
func (q *quota) evict(s Store) {
	defer func() {
		q.mu.Lock()
		q.running = false
		q.mu.Unlock()
	}()
	type victim struct {
		key string
		quotaEntry
	}
	q.mu.Lock()
	all := make([]victim, 0, len(q.objects))
	for k, e := range q.objects {
		all = append(all, victim{k, e})
	}
	target := q.limit / 10 * 9
	q.mu.Unlock()
	slices.SortFunc(all, func(a, b victim) int { return cmp.Compare(a.used.UnixNano(), b.used.UnixNano()) })
	ctx := context.Background()
	for _, v := range all {
		if q.Bytes() <= target {
			return
		}
		if err := s.Delete(ctx, v.key); err != nil && !errors.Is(err, store.ErrNotFound) {
			q.log.Warn("a derived image over the store quota was not evicted", "key", v.key, "err", err)
			continue
		}
		q.mu.Lock()
		if e, ok := q.objects[v.key]; ok {
			q.total -= e.size
			delete(q.objects, v.key)
			q.evicted++
		}
		q.mu.Unlock()
	}
}

// Evicted counts the derived images the quota has deleted.
func (q *quota) Evicted() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.evicted
}
