package httpapi

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/colour/colourtest"
	"github.com/pngd/pngd/internal/library"
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

	// Transparency, which a HEIC keeps as an item of its own, is kept;
	// and a grey HEIC, which libheif's WebAssembly refused, is stored.
	translucent := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range translucent.Pix {
		translucent.Pix[i] = []byte{200, 40, 90, byte(i / 4 % 40 * 6)}[i%4]
	}
	grey := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range grey.Pix {
		grey.Pix[i] = byte(i % 40 * 6)
	}
	os.WriteFile(filepath.Join(dir, "alpha.png"), encodeAs(t, "png", translucent), 0o644)
	os.WriteFile(filepath.Join(dir, "grey.png"), encodeAs(t, "png", grey), 0o644)
	colourtest.Run(t, dir, "heif-enc", "-q", "90", "-o", "alpha.heic", "alpha.png")
	colourtest.Run(t, dir, "heif-enc", "-q", "90", "-o", "grey.heic", "grey.png")
	for _, name := range []string{"alpha.heic", "grey.heic"} {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		im := upload(t, c, srv.URL, "image/heic", data, 201)
		got := fetch(t, c, srv.URL, im)
		_, _, _, a0 := got.At(0, 10).RGBA()
		_, _, _, a39 := got.At(39, 10).RGBA()
		if name == "alpha.heic" && (a0 != 0 || a39>>8 != 234 || im.Colour == nil) {
			t.Errorf("%s: alpha %d at the left, %d at the right; want 0 and 234", name, a0>>8, a39>>8)
		}
		if r, g, b, _ := got.At(20, 10).RGBA(); name == "grey.heic" && (r != g || g != b || r>>8 < 110 || r>>8 > 130) {
			t.Errorf("%s: %d,%d,%d in the middle; want grey 120", name, r>>8, g>>8, b>>8)
		}
	}
}

// TestIngestBounds: the new inputs keep "bounded by design". An AVIF whose
// decode (its WebAssembly memory) exceeds the budget is 422 naming memory
// before it is decoded; a HEIC whose ispe claims a pixel flood is 422; a
// GIF of more frames than -max-frames is 422 naming frames; a derived
// animation past -max-frame-pixels is 422, while one frame of it is made.
func TestIngestBounds(t *testing.T) {
	colourtest.Need(t, []string{"avifenc", "heif-enc"})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.png"), encodeAs(t, "png", testCard(640, 480)), 0o644)
	colourtest.Run(t, dir, "avifenc", "-s", "10", "in.png", "in.avif")
	colourtest.Run(t, dir, "heif-enc", "-q", "50", "-o", "in.heic", "in.png")
	avifData, _ := os.ReadFile(filepath.Join(dir, "in.avif"))
	heicData, _ := os.ReadFile(filepath.Join(dir, "in.heic"))

	mem := admit.NewBudget(24<<20, 4, 200*time.Millisecond)
	gate := admit.New(2, 8, 200*time.Millisecond).WithMemory(mem)
	lib := library.New(openDirStore(t), library.Options{Renders: gate, MaxFramePixels: 10_000})
	srv, c := newTestServer(t, Config{Renders: gate, Library: lib, HEIC: true, MaxFrames: 50})
	detail := func(body []byte) string {
		var p struct{ Detail string }
		json.Unmarshal(body, &p)
		return p.Detail
	}

	resp, body := do(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/avif", string(avifData)))
	if resp.StatusCode != 422 || !strings.Contains(detail(body), "memory") {
		t.Errorf("a 640×480 AVIF on a 24 MiB budget: %d %q", resp.StatusCode, detail(body))
	}
	flood := bytes.Clone(heicData)
	if i := bytes.Index(flood, []byte("ispe")); i > 0 {
		binary.BigEndian.PutUint32(flood[i+8:], 100000)
		binary.BigEndian.PutUint32(flood[i+12:], 100000)
	}
	resp, body = do(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/heic", string(flood)))
	if resp.StatusCode != 422 {
		t.Errorf("a HEIC claiming 100000×100000: %d %q", resp.StatusCode, detail(body))
	}
	resp, body = do(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/gif", string(animatedCard(t, 8, 8, 51))))
	if resp.StatusCode != 422 || !strings.Contains(detail(body), "frames") {
		t.Errorf("a GIF of 51 frames, -max-frames 50: %d %q", resp.StatusCode, detail(body))
	}
	anim := upload(t, c, srv.URL, "image/gif", animatedCard(t, 53, 37, 3), 201)
	resp, body = do(t, c, newRequest(t, http.MethodGet, srv.URL+anim.Url+"?w=100", "", ""))
	if resp.StatusCode != 422 || !strings.Contains(detail(body), "frame=N") {
		t.Errorf("3 frames of 100×70 past 10,000 pixels: %d %q", resp.StatusCode, detail(body))
	}
	getDerived(t, c, srv.URL, anim.Url+"?w=100&frame=1", 200, image.Pt(100, 70))
}

// TestAVIFRefusalsSayWhy: AVIFs pngd refuses from their headers get a 422
// whose detail says what is wrong, through the contract harness: an ispe
// that contradicts the AV1 picture, and a matrix the decoder cannot
// convert.
func TestAVIFRefusalsSayWhy(t *testing.T) {
	colourtest.Need(t, []string{"avifenc"})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.png"), encodeAs(t, "png", testCard(64, 48)), 0o644); err != nil {
		t.Fatal(err)
	}
	colourtest.Run(t, dir, "avifenc", "-s", "10", "--cicp", "9/14/9", "in.png", "in.avif")
	good, _ := os.ReadFile(filepath.Join(dir, "in.avif"))
	lying := bytes.Clone(good)
	i := bytes.Index(lying, []byte("ispe"))
	binary.BigEndian.PutUint32(lying[i+8:], 16)
	binary.BigEndian.PutUint32(lying[i+12:], 12)
	cl := bytes.Clone(good)
	j := bytes.Index(cl, []byte("colrnclx"))
	binary.BigEndian.PutUint16(cl[j+12:], 10)
	srv, c := newTestServer(t, Config{})
	for _, tc := range []struct {
		name   string
		data   []byte
		detail string
	}{
		{"ispe 16×12 over a 64×48 picture", lying, "contradicts itself: its header says 16×12 and its AV1 picture is 64×48"},
		{"BT.2020 constant luminance", cl, "BT.2020 constant luminance matrix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/avif", string(tc.data)))
			var p struct{ Detail string }
			json.Unmarshal(body, &p)
			if resp.StatusCode != 422 || !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("%d %q; want 422 saying %q", resp.StatusCode, p.Detail, tc.detail)
			}
		})
	}
}

// TestHDRUpload: a PQ AVIF's upload and /info say HDR, pq, through the
// contract harness; its derived image is an SDR PNG, or with hdr=keep a
// 16-bit one with cICP.
func TestHDRUpload(t *testing.T) {
	data := pqAVIF(t)
	srv, c := newTestServer(t, Config{})
	im := upload(t, c, srv.URL, "image/avif", data, 201)
	if im.Colour == nil || im.Colour.Hdr == nil || *im.Colour.Hdr != "pq" || im.Colour.Profile != "BT.2100 PQ" {
		t.Fatalf("upload's colour %+v", im.Colour)
	}
	resp, body := do(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+"/info", "", ""))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"hdr":"pq"`) {
		t.Errorf("/info: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+"?w=16", "", ""))
	if resp.StatusCode != 200 || bytes.Contains(body[:100], []byte("cICP")) {
		t.Errorf("derived: %d, cICP in it: %v", resp.StatusCode, bytes.Contains(body[:100], []byte("cICP")))
	}
	resp, body = do(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+"?w=16&hdr=keep", "", ""))
	if resp.StatusCode != 200 || !bytes.Contains(body[:100], []byte("cICP")) || body[24] != 16 {
		t.Errorf("derived with hdr=keep: %d, not a 16-bit PNG with cICP", resp.StatusCode)
	}
}

// pqAVIF is a 32×8 BT.2100 PQ AVIF, lossless at 10 bits, that avifenc
// makes from 16-bit noise.
func pqAVIF(t *testing.T) []byte {
	t.Helper()
	colourtest.Need(t, []string{"avifenc"})
	dir := t.TempDir()
	src := image.NewNRGBA64(image.Rect(0, 0, 32, 8))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	if err := os.WriteFile(filepath.Join(dir, "in.png"), encodeAs(t, "png", src), 0o644); err != nil {
		t.Fatal(err)
	}
	colourtest.Run(t, dir, "avifenc", "-l", "-d", "10", "--cicp", "9/16/0", "--ignore-icc", "in.png", "pq.avif")
	data, err := os.ReadFile(filepath.Join(dir, "pq.avif"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// postImage uploads data to the pngd at base with a plain HTTP client (a
// browser test's server, whose harness checks the answer), which must
// store it anew.
func postImage(t *testing.T, base, contentType string, data []byte) gen.Image {
	t.Helper()
	resp, err := http.Post(base+"/images", contentType, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var im gen.Image
	json.NewDecoder(resp.Body).Decode(&im)
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	return im
}
