//go:build attack

package attack

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestDerivedQuotaUnderConcurrency: 96 distinct derived images asked for at
// once never take derived/ past -derived-store-bytes, watched every 10 ms
// while they are written (each reserves its size before it writes).
func TestDerivedQuotaUnderConcurrency(t *testing.T) {
	const quota = 32 << 20
	s := start(t, "-derived-store-bytes", fmt.Sprint(quota))
	im := s.upload("image/png", noisePNG(t, 1200, 900))
	var peak atomic.Int64
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			peak.Store(max(peak.Load(), dirBytes(filepath.Join(s.data, "derived"))))
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	s.attack(fmt.Sprintf("96 × GET of distinct 1.5-4 MB derived images, -derived-store-bytes %d MiB", quota>>20), []int{200, 503}, func(tl *tally) {
		parallel(96, func(i int) {
			s.do(s.req("GET", fmt.Sprintf("%s?w=%d", im.Url, 700+5*i), "", nil), tl)
		})
	})
	close(stop)
	<-watched
	t.Logf("ATTACK derived/ peaked at %.1f MiB during 96 concurrent distinct derives (quota %d MiB)", float64(peak.Load())/(1<<20), quota>>20)
	if peak.Load() > quota {
		t.Errorf("derived/ peaked at %d bytes, over the %d-byte quota", peak.Load(), quota)
	}
}

// dirBytes adds up the sizes of the files under dir.
func dirBytes(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
