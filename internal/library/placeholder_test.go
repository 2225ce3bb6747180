package library

import (
	"bytes"
	"errors"
	"image/gif"
	"testing"

	"github.com/pngd/pngd/internal/store"
)

// TestPlaceholders: an upload's placeholders are stored with it; an image
// stored without them (before pngd made them) gets them on its first Info,
// which stores them, made from the same smallest level; a delete removes
// them with the derived images.
func TestPlaceholders(t *testing.T) {
	lib, st := openLibrary(t)
	var anim bytes.Buffer
	if err := gif.EncodeAll(&anim, noisyGIF(photoLike(64, 48), 3)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"still with a pyramid", pngOf(t, 600, 400)},
		{"still without", pngOf(t, 40, 30)},
		{"animation", anim.Bytes()},
	} {
		t.Run(c.name, func(t *testing.T) {
			im := stored(t, lib, c.data)
			if im.Placeholder == nil || im.Placeholder.BlurHash == "" {
				t.Fatalf("upload: placeholders %+v", im.Placeholder)
			}
			if _, err := st.Stat(t.Context(), placeholderKey(im.ID)); err != nil {
				t.Fatalf("not stored: %v", err)
			}
			// As an image stored before placeholders: none in the store.
			if err := st.Delete(t.Context(), placeholderKey(im.ID)); err != nil {
				t.Fatal(err)
			}
			fresh := New(st, Options{}) // no cached levels
			info, err := fresh.Info(t.Context(), im.ID)
			if err != nil {
				t.Fatal(err)
			}
			if info.Placeholder == nil || info.Placeholder.BlurHash != im.Placeholder.BlurHash || info.Placeholder.ThumbHash != im.Placeholder.ThumbHash {
				t.Errorf("Info made %+v; the upload made %+v", info.Placeholder, im.Placeholder)
			}
			if _, err := st.Stat(t.Context(), placeholderKey(im.ID)); err != nil {
				t.Errorf("Info did not store them: %v", err)
			}
			if err := lib.Delete(t.Context(), im.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Stat(t.Context(), placeholderKey(im.ID)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("after delete: %v", err)
			}
		})
	}
}
