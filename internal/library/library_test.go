package library

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/store"
)

func openLibrary(t testing.TB) (*Library, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, Options{}), st
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, photoLike(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPrepareIsContentAddressed: the id is the SHA-256 of the stored bytes,
// the same for the same picture, and different for a different one.
func TestPrepareIsContentAddressed(t *testing.T) {
	a1, err := Prepare(context.Background(), pngOf(t, 40, 30), imaging.Limits{MaxPixels: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := Prepare(context.Background(), pngOf(t, 40, 30), imaging.Limits{MaxPixels: 1 << 20})
	b, _ := Prepare(context.Background(), pngOf(t, 41, 30), imaging.Limits{MaxPixels: 1 << 20})
	if a1.ID != a2.ID || a1.ID == b.ID || !validID(a1.ID) {
		t.Errorf("ids: %s, %s, %s", a1.ID, a2.ID, b.ID)
	}
	if a1.Width != 40 || a1.Height != 30 || a1.Size != int64(len(a1.png)) {
		t.Errorf("prepared %+v", a1.Image)
	}
}

// TestListShowsOnlyImages: a write's temporary file and foreign keys under
// images/ are never listed.
func TestListShowsOnlyImages(t *testing.T) {
	lib, st := openLibrary(t)
	p, err := Prepare(context.Background(), pngOf(t, 10, 10), imaging.Limits{MaxPixels: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	im, created, err := lib.Save(context.Background(), p)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	for _, k := range []string{"images/" + p.ID + ".png.18f3a2b4c5d6e7f8.tmp", "images/readme.txt", "images/" + strings.Repeat("z", 64) + ".png"} {
		if _, _, err := st.Put(context.Background(), k, []byte("x"), "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	ims, next, err := lib.List(context.Background(), "", 100)
	if err != nil || next != "" || len(ims) != 1 || ims[0].ID != im.ID {
		t.Errorf("List = %+v, %q, %v; want only %s", ims, next, err, im.ID)
	}
	info, err := lib.Info(context.Background(), im.ID)
	if err != nil || info.Width != 10 || info.Height != 10 || info.Size != p.Size {
		t.Errorf("Info = %+v, %v", info, err)
	}
}

func TestNotFound(t *testing.T) {
	lib, _ := openLibrary(t)
	ctx := context.Background()
	for _, id := range []string{strings.Repeat("0", 64), "../../etc/passwd", "", strings.Repeat("A", 64)} {
		if _, err := lib.Stat(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%q) = %v", id, err)
		}
		if _, err := lib.Open(ctx, id, 0, -1); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v", id, err)
		}
		if err := lib.Delete(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Delete(%q) = %v", id, err)
		}
	}
	if _, _, err := lib.List(ctx, "!!", 10); !errors.Is(err, ErrBadCursor) {
		t.Errorf("List with a bad cursor = %v", err)
	}
}

// TestDeleteRemovesDerivedFolder: deleting an image on local disk removes
// its derived images and their folder, derived/<id>/, not only the files.
func TestDeleteRemovesDerivedFolder(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), "file://"+filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib := New(st, Options{})
	p, err := Prepare(context.Background(), pngOf(t, 64, 48), imaging.Limits{MaxPixels: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := lib.Save(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Derive(context.Background(), p.ID, imaging.Params{W: 20}); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "derived", p.ID)
	deadline := time.Now().Add(5 * time.Second)
	for {
		entries, _ := os.ReadDir(folder)
		if len(entries) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no derived image was stored in %s", folder)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := lib.Delete(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(folder)
		t.Errorf("after Delete, %s is still there (%v) with %d entries", folder, err, len(entries))
	}
}

// TestSmallOriginals: with SmallOriginals, an original of up to 256 KiB is
// served from memory, byte for byte, a larger one is not, and a deleted one
// is gone at once; without the option nothing is kept.
func TestSmallOriginals(t *testing.T) {
	st, err := store.Open(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	save := func(lib *Library, data []byte) Image {
		p, err := Prepare(ctx, data, imaging.Limits{MaxPixels: 1 << 24})
		if err != nil {
			t.Fatal(err)
		}
		im, _, err := lib.Save(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return im
	}
	lib := New(st, Options{SmallOriginals: true})
	small := save(lib, pngOf(t, 40, 30))
	stored, err := st.ReadAll(ctx, key(small.ID))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // from the store, then from memory
		data, created, ok, err := lib.SmallOriginal(ctx, small.ID)
		if err != nil || !ok || !bytes.Equal(data, stored) || created.IsZero() {
			t.Fatalf("SmallOriginal = %d bytes, %v, %v, %v; want the stored %d bytes", len(data), created, ok, err, len(stored))
		}
	}
	var noise bytes.Buffer
	png.Encode(&noise, photoLike(600, 600))
	large := save(lib, noise.Bytes())
	if large.Size <= 256<<10 {
		t.Fatalf("the large image has only %d bytes", large.Size)
	}
	if _, _, ok, err := lib.SmallOriginal(ctx, large.ID); ok || err != nil {
		t.Errorf("a %d-byte original: ok %v, %v; want it left to the store", large.Size, ok, err)
	}
	if err := lib.Delete(ctx, small.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := lib.SmallOriginal(ctx, small.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Delete: %v, want ErrNotFound", err)
	}
	if _, _, ok, _ := New(st, Options{}).SmallOriginal(ctx, large.ID); ok {
		t.Error("without SmallOriginals, an original came from memory")
	}
}

// saveUpload prepares and saves a 600×520 photograph-like PNG, as an
// upload does, and returns it.
func saveUpload(t *testing.T, lib *Library) *Prepared {
	t.Helper()
	p, err := Prepare(context.Background(), pngOf(t, 600, 520), imaging.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := lib.Save(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSaveKeepsLevels: a fresh upload's pyramid levels stay in memory, so
// that its first derived image reads none from the store, and a derived
// image made from them is the one made from the stored levels.
func TestSaveKeepsLevels(t *testing.T) {
	lib, st := openLibrary(t)
	p := saveUpload(t, lib)
	if p.levelImages != nil {
		t.Error("Save left the decoded levels on the Prepared")
	}
	if _, ok := lib.d.cache.GetIfPresent("l/" + p.ID + "/1"); !ok {
		t.Fatal("level 1 is not in memory after Save")
	}
	// With the stored level gone, the derive still needs no pyramid.
	if err := st.Delete(context.Background(), levelKey(p.ID, 1)); err != nil {
		t.Fatal(err)
	}
	fromMemory, err := lib.Derive(context.Background(), p.ID, imaging.Params{W: 100})
	if err != nil {
		t.Fatal(err)
	}
	// A library that never saw the upload reads the levels the store has
	// (rebuilding level 1): the same picture.
	other := New(st, Options{})
	if err := st.Delete(context.Background(), derivedKey(p.ID, imaging.Params{W: 100})); err != nil {
		t.Fatal(err)
	}
	fromStore, err := other.Derive(context.Background(), p.ID, imaging.Params{W: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fromMemory, fromStore) {
		t.Error("the derived image from the levels in memory differs from the one from the store")
	}
}

// TestLevelsOfTheFormatBefore: a store written by a version that kept its
// levels as zstd (level-K.zst) is read as it is: with only those levels,
// a library that never saw the upload derives the same picture as from
// the levels of today, and builds no pyramid.
func TestLevelsOfTheFormatBefore(t *testing.T) {
	lib, st := openLibrary(t)
	ctx := context.Background()
	p := saveUpload(t, lib)
	want, err := New(st, Options{}).Derive(ctx, p.ID, imaging.Params{W: 100})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; ; k++ {
		data, err := st.ReadAll(ctx, levelKey(p.ID, k))
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		m, err := imaging.DecodeLevel(data)
		if err != nil {
			t.Fatal(err)
		}
		// The old encoder: the magic, the size, the RGBA as one zstd frame.
		old := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32([]byte("pngd-level-1\n"), uint32(m.Rect.Dx())), uint32(m.Rect.Dy()))
		if _, _, err := st.Put(ctx, levelKeyV1(p.ID, k), enc.EncodeAll(m.Pix, old), "application/zstd"); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete(ctx, levelKey(p.ID, k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Delete(ctx, derivedKey(p.ID, imaging.Params{W: 100})); err != nil {
		t.Fatal(err)
	}
	other := New(st, Options{})
	got, err := other.Derive(ctx, p.ID, imaging.Params{W: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the derived image from zstd levels differs from the one from today's")
	}
	if _, err := st.Stat(ctx, levelKey(p.ID, 1)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a level of today's format was written (%v): the pyramid was built again", err)
	}
}

// TestLevelReadKeptOnSecondUse: a level read from the store is cached the
// second time a derive reads it, not the first (keepReadLevel), and both
// derives are the pictures a library with every level in memory makes.
func TestLevelReadKeptOnSecondUse(t *testing.T) {
	lib, st := openLibrary(t)
	ctx := context.Background()
	p := saveUpload(t, lib)
	cachedLevels := func(l *Library) int {
		n := 0
		for k := range l.d.cache.Keys() {
			if strings.HasPrefix(k, "l/"+p.ID+"/") {
				n++
			}
		}
		return n
	}
	other := New(st, Options{}) // nothing of the upload in memory
	for i, w := range []int{100, 101} {
		want, err := lib.Derive(ctx, p.ID, imaging.Params{W: w})
		if err != nil {
			t.Fatal(err)
		}
		// other renders it again, from the store's level
		if err := st.Delete(ctx, derivedKey(p.ID, imaging.Params{W: w})); err != nil {
			t.Fatal(err)
		}
		renders := other.Renders()
		got, err := other.Derive(ctx, p.ID, imaging.Params{W: w})
		if err != nil {
			t.Fatal(err)
		}
		if other.Renders() != renders+1 {
			t.Fatalf("w=%d: the derive was not rendered", w)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("w=%d: the derive from the store's level is not the one from memory", w)
		}
		if n := cachedLevels(other); n != i {
			t.Errorf("after %d reads of the level: %d levels in memory, want %d", i+1, n, i)
		}
	}
}
