package library

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pngd/pngd/internal/store"
)

// quota bounds the bytes derived images and pyramid levels take in the
// store. It knows each derived object's size and when this node last used
// it, and a write reserves its size before it starts (reserve): when the
// objects and the writes in flight would pass the limit, the least
// recently used objects are deleted first, down to nine tenths of it, and
// only then is the new one written; a write that fails gives its bytes
// back. So the store never holds more than the limit, however many writes
// run at once. Pyramid levels go last: only when no derived image is left
// to evict, since a level is the input of every derived image of its
// source, and losing it makes the next one decode the original.
//
// On a store shared by several nodes each node counts what it has seen
// (listed at start, written, or read since), so the bound holds per node;
// a bucket lifecycle rule bounds the rest (docs/limits.md).
type quota struct {
	limit int64 // <= 0: no limit
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	objects map[string]quotaEntry
	// total counts the objects and the writes reserved, until they end.
	total   int64
	evicted int64
	// pending counts the objects reservations are deleting, inflight the
	// reserved writes not yet ended; wake is closed (and replaced) when
	// either falls, for a reservation waiting for room.
	pending, inflight int
	wake              chan struct{}
}

type quotaEntry struct {
	size int64
	used time.Time
	// claimed is set while a reservation deletes the object.
	claimed bool
}

func newQuota(limit int64, now func() time.Time, log *slog.Logger) *quota {
	return &quota{limit: limit, now: now, log: log, objects: map[string]quotaEntry{}, wake: make(chan struct{})}
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
				q.objects[o.Key] = quotaEntry{size: o.Size, used: o.ModTime}
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

// reserve makes room for a derived object of size bytes before it is
// written, deleting the least recently used objects as needed. It reports
// false when it cannot (the object is larger than the limit, or too much
// of the rest is being written or deleted); the caller then does not
// write it. After a true, the caller calls done once the write has ended.
func (q *quota) reserve(ctx context.Context, s Store, size int64) bool {
	if q.limit <= 0 {
		return true
	}
	if size > q.limit {
		return false
	}
	// A pyramid level is evicted only when no derived image can go
	// instead: while other reservations are deleting derived images or
	// writing new ones (which will be evictable), this one waits for them
	// (at most levelWait) rather than take a level.
	var wait <-chan time.Time // made on the first wait only
	waited := false
	var victims []string
	for {
		q.mu.Lock()
		victims = nil
		if q.total+size > q.limit {
			var freed int64
			var levels bool
			victims, freed, levels = q.claim(q.total + size - q.limit/10*9)
			unclaim := func() {
				for _, k := range victims {
					e := q.objects[k]
					e.claimed = false
					q.objects[k] = e
				}
			}
			if levels && !waited && (q.pending > 0 || q.inflight > 0) {
				unclaim()
				wake := q.wake
				q.mu.Unlock()
				if wait == nil {
					t := time.NewTimer(levelWait)
					defer t.Stop()
					wait = t.C
				}
				select {
				case <-wake:
				case <-wait:
					waited = true
				case <-ctx.Done():
					return false
				}
				continue
			}
			if q.total-freed+size > q.limit {
				unclaim()
				q.mu.Unlock()
				return false
			}
		}
		break
	}
	q.total += size
	q.inflight++
	q.pending += len(victims)
	q.mu.Unlock()
	ok := true
	for _, k := range victims {
		err := s.Delete(ctx, k)
		q.mu.Lock()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			e := q.objects[k]
			e.claimed = false
			q.objects[k] = e
			ok = false
		} else {
			q.total -= q.objects[k].size
			delete(q.objects, k)
			q.evicted++
		}
		q.pending--
		q.signal()
		q.mu.Unlock()
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			q.log.Warn("a derived image over the store quota was not evicted", "key", k, "err", err)
		}
	}
	if !ok {
		q.release(size)
	}
	return ok
}

// levelWait is the longest a reservation waits for other reservations'
// deletions and writes before it evicts a pyramid level.
const levelWait = 2 * time.Second

// signal wakes the reservations waiting for room. q.mu is held.
func (q *quota) signal() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// claim marks the least recently used objects, derived images before
// pyramid levels, until they add up to need bytes, and returns them, their
// bytes, and whether a level is among them. q.mu is held.
func (q *quota) claim(need int64) ([]string, int64, bool) {
	type victim struct {
		key   string
		level bool
		used  time.Time
	}
	all := make([]victim, 0, len(q.objects))
	for k, e := range q.objects {
		if !e.claimed {
			all = append(all, victim{k, isLevel(k), e.used})
		}
	}
	slices.SortFunc(all, func(a, b victim) int {
		if a.level != b.level {
			if a.level {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.used.UnixNano(), b.used.UnixNano())
	})
	var keys []string
	var freed int64
	levels := false
	for _, v := range all {
		if freed >= need {
			break
		}
		e := q.objects[v.key]
		e.claimed = true
		q.objects[v.key] = e
		keys = append(keys, v.key)
		freed += e.size
		levels = levels || v.level
	}
	return keys, freed, levels
}

// isLevel reports whether a derived key is a pyramid level's.
func isLevel(key string) bool {
	return strings.HasPrefix(path.Base(key), "level-")
}

// stored records a derived object written under a reservation of size.
func (q *quota) stored(key string, size int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.limit <= 0 {
		q.total += size
	} else {
		q.inflight--
		q.signal()
	}
	if old, ok := q.objects[key]; ok {
		q.total -= old.size // written again: counted once
	}
	q.objects[key] = quotaEntry{size: size, used: q.now()}
}

// release gives back a reservation whose write failed.
func (q *quota) release(size int64) {
	if q.limit <= 0 {
		return
	}
	q.mu.Lock()
	q.total -= size
	q.inflight--
	q.signal()
	q.mu.Unlock()
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

// Evicted counts the derived images the quota has deleted.
func (q *quota) Evicted() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.evicted
}
