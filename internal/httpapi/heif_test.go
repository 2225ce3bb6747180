package httpapi

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// TestAVIFAndHEICUploads: an AVIF with a Display P3 profile is stored with
// it; a HEIC gets 415 with a detail that says why and what to do, unless
// the server decodes HEIC, and then 201.
func TestAVIFAndHEICUploads(t *testing.T) {
	colourtest.Need(t, []string{"avifenc", "heif-enc"})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.png"), encodeAs(t, "png", testCard(64, 48)), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "p3.icc"), colourtest.DisplayP3(), 0o644)
	colourtest.Run(t, dir, "avifenc", "-l", "--icc", "p3.icc", "in.png", "in.avif")
	colourtest.Run(t, dir, "heif-enc", "-q", "90", "-o", "in.heic", "in.png")
	avifData, _ := os.ReadFile(filepath.Join(dir, "in.avif"))
	heicData, _ := os.ReadFile(filepath.Join(dir, "in.heic"))

	srv, c := newTestServer(t, Config{})
	im := upload(t, c, srv.URL, "image/avif", avifData, 201)
	if im.Width != 64 || im.Height != 48 || im.Colour == nil || im.Colour.Profile != "Display P3" || !im.Colour.Embedded {
		t.Errorf("AVIF stored as %dx%d, colour %+v", im.Width, im.Height, im.Colour)
	}
	fetch(t, c, srv.URL, im)

	resp, body := do(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/heic", string(heicData)))
	var p struct{ Detail string }
	json.Unmarshal(body, &p)
	if resp.StatusCode != 415 || !strings.Contains(p.Detail, "HEIC") || !strings.Contains(p.Detail, "-heic") {
		t.Errorf("HEIC on a server without it: %d %q", resp.StatusCode, p.Detail)
	}

	srv, c = newTestServer(t, Config{HEIC: true})
	im = upload(t, c, srv.URL, "image/heic", heicData, 201)
	if im.Width != 64 || im.Height != 48 {
		t.Errorf("HEIC stored as %dx%d", im.Width, im.Height)
	}
}
