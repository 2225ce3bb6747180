package library

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/store"
)

// storedDerivedBytes sums what the store holds under derived/.
func storedDerivedBytes(t *testing.T, st *store.Store) int64 {
	t.Helper()
	var n int64
	var token []byte
	for {
		objs, next, err := st.List(context.Background(), derivedPrefix, token, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			n += o.Size
		}
		if len(next) == 0 {
			return n
		}
		token = next
	}
}

// TestDerivedStoreQuota asks for many distinct derived images, as an
// attacker varying blur would: the store keeps at most the quota of them,
// the least recently used go first, and a second library on the same store
// counts what is already there.
func TestDerivedStoreQuota(t *testing.T) {
	st, err := store.Open(context.Background(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const limit = 64 << 10
	clock := time.Unix(1_700_000_000, 0)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	l := New(st, Options{DerivedStoreBytes: limit, CacheBytes: 1, Now: now})
	p, err := Prepare(context.Background(), pngOf(t, 64, 64), imaging.Limits{MaxPixels: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	im, _, err := l.Save(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keep := imaging.Params{W: 40, Blur: 0.5}
	for i := range 60 {
		if _, err := l.Derive(ctx, im.ID, imaging.Params{W: 64, Blur: 1 + float64(i)/10}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Derive(ctx, im.ID, keep); err != nil { // used all along
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for storedDerivedBytes(t, st) > limit && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := storedDerivedBytes(t, st); got > limit || got == 0 {
		t.Fatalf("derived/ holds %d bytes, want within the %d-byte quota", got, limit)
	}
	if got := l.DerivedStoreBytes(); got != storedDerivedBytes(t, st) {
		t.Errorf("DerivedStoreBytes = %d, the store holds %d", got, storedDerivedBytes(t, st))
	}
	// The one used throughout survived.
	objs, _, _ := st.List(ctx, derivedKey(im.ID, keep.Canonical()), nil, 10)
	if len(objs) != 1 {
		t.Errorf("the most recently used derived image was evicted")
	}
	// A library started later counts what is in the store.
	l2 := New(st, Options{DerivedStoreBytes: limit})
	if err := l2.ScanDerived(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l2.DerivedStoreBytes(); got != storedDerivedBytes(t, st) {
		t.Errorf("after ScanDerived: %d bytes, the store holds %d", got, storedDerivedBytes(t, st))
	}
}

// peakStore tracks the bytes under derived/ as writes start and deletes
// end, and the most there ever were.
type peakStore struct {
	*store.Store
	mu        sync.Mutex
	sizes     map[string]int64
	cur, peak int64
}

func (p *peakStore) Put(ctx context.Context, key string, data []byte, ct string) (store.Object, bool, error) {
	if strings.HasPrefix(key, derivedPrefix) {
		p.mu.Lock()
		p.cur += int64(len(data)) - p.sizes[key]
		p.sizes[key] = int64(len(data))
		p.peak = max(p.peak, p.cur)
		p.mu.Unlock()
	}
	return p.Store.Put(ctx, key, data, ct)
}

func (p *peakStore) Delete(ctx context.Context, key string) error {
	err := p.Store.Delete(ctx, key)
	if err == nil {
		p.mu.Lock()
		p.cur -= p.sizes[key]
		delete(p.sizes, key)
		p.mu.Unlock()
	}
	return err
}

// TestQuotaReservesBeforeWriting: 48 distinct derived images asked for at
// once never take the store past the quota, not even while they are
// written (each reserves its size first), and the source's pyramid levels
// are kept while derived images can go instead.
func TestQuotaReservesBeforeWriting(t *testing.T) {
	st, err := store.Open(t.Context(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ps := &peakStore{Store: st, sizes: map[string]int64{}}
	const limit = 256 << 10
	l := New(ps, Options{DerivedStoreBytes: limit, CacheBytes: 1})
	im := stored(t, l, pngOf(t, 400, 300))
	levels := storedDerivedBytes(t, st)
	if levels == 0 {
		t.Fatal("no pyramid levels stored")
	}
	var wg sync.WaitGroup
	for i := range 48 {
		wg.Go(func() {
			if _, err := l.Derive(t.Context(), im.ID, imaging.Params{W: 200 + i, Blur: 0.5}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ps.peak > limit {
		t.Errorf("derived/ peaked at %d bytes, over the %d-byte quota", ps.peak, limit)
	}
	if got := storedDerivedBytes(t, st); got > limit || got != l.DerivedStoreBytes() {
		t.Errorf("derived/ holds %d bytes, the quota counts %d; limit %d", got, l.DerivedStoreBytes(), limit)
	}
	for k := 1; ; k++ {
		if _, err := st.Stat(t.Context(), levelKey(im.ID, k)); err != nil {
			if k == 1 {
				t.Errorf("pyramid level 1 was evicted while derived images could go instead")
			}
			break
		}
	}
	if l.d.quota.Evicted() == 0 {
		t.Errorf("nothing was evicted: the test asks for too little")
	}
}
