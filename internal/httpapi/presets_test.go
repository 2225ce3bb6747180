package httpapi

import (
	"image"
	"net/http"
	"strings"
	"testing"

	"github.com/pngd/pngd/sign"
)

func TestPresets(t *testing.T) {
	key := []byte("a signing key of at least 32 chars")
	defs := map[string]string{"thumb": "w=20&h=20&fit=cover", "tall": "h=30&rotate=90",
		"card":   "w=40&h=40&fit=pad&gravity=north&background=ffffff&radius=6",
		"smart":  "w=20&h=20&fit=cover&gravity=smart&trim=5&fx=0.2",
		"marked": "w=30&overlay=" + strings.Repeat("0", 64) + "&overlay_gravity=north&overlay_scale=0.5"}
	srv, c := newTestServer(t, Config{Presets: defs, PresetsOnly: true, SigningKey: key})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(60, 40)), 201)

	// A preset needs no sig, and names the same resource as its parameters.
	resp, _ := getDerived(t, c, srv.URL, im.Url+"?preset=thumb", 200, image.Pt(20, 20))
	signed, err := sign.URL(key, im.Url+"?w=20&h=20&fit=cover")
	if err != nil {
		t.Fatal(err)
	}
	resp2, _ := getDerived(t, c, srv.URL, signed, 200, image.Pt(20, 20))
	if resp.Header.Get("ETag") != resp2.Header.Get("ETag") {
		t.Errorf("preset ETag %q, its parameters' %q; want one resource", resp.Header.Get("ETag"), resp2.Header.Get("ETag"))
	}
	getDerived(t, c, srv.URL, im.Url+"?preset=tall", 200, image.Pt(20, 30)) // 60×40 turned is 40×60
	// The composition parameters in presets: the same resource as signed
	// parameters, and an overlay that is not stored named in its 422.
	resp, _ = getDerived(t, c, srv.URL, im.Url+"?preset=card", 200, image.Pt(40, 40))
	signed, _ = sign.URL(key, im.Url+"?w=40&h=40&fit=pad&gravity=north&background=ffffff&radius=6")
	if resp2, _ := getDerived(t, c, srv.URL, signed, 200, image.Pt(40, 40)); resp.Header.Get("ETag") != resp2.Header.Get("ETag") {
		t.Errorf("preset card's ETag %q, its parameters' %q", resp.Header.Get("ETag"), resp2.Header.Get("ETag"))
	}
	getDerived(t, c, srv.URL, im.Url+"?preset=smart", 200, image.Pt(20, 20))
	if _, body := getDerived(t, c, srv.URL, im.Url+"?preset=marked", 422, image.Point{}); !strings.Contains(string(body), strings.Repeat("0", 64)) {
		t.Errorf("preset marked: %s", body)
	}

	// Presets only: other parameters need a sig, with a preset or without.
	for _, p := range []string{"?w=21", "?preset=thumb&w=21", "?blur=3"} {
		resp, body := do(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+p, "", ""))
		if resp.StatusCode != 403 || !strings.Contains(string(body), "presets") {
			t.Errorf("%s: status %d, want 403 naming presets; %s", p, resp.StatusCode, body)
		}
	}
	signed, _ = sign.URL(key, im.Url+"?preset=thumb&w=21")
	getDerived(t, c, srv.URL, signed, 200, image.Pt(21, 20))

	// An unknown preset is a 400 that lists the known ones; a malformed
	// name is the spec's 400.
	resp, body := do(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+"?preset=huge", "", ""))
	if resp.StatusCode != 400 || !strings.Contains(string(body), "tall, thumb") {
		t.Errorf("unknown preset: status %d, want 400 listing tall, thumb; %s", resp.StatusCode, body)
	}
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+"?preset=Not%20A%20Name", "", ""), 400, 0, 0, "preset")
}

func TestPresetsAreChecked(t *testing.T) {
	doc, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	for name, query := range map[string]string{
		"Thumb":   "w=20",
		"big":     "w=99999",
		"bad":     "rotate=45",
		"signed":  "w=20&sig=" + strings.Repeat("a", 43),
		"unknown": "width=20",
		"broken":  "w=%zz",
	} {
		if _, err := newPresets(doc, map[string]string{name: query}); err == nil {
			t.Errorf("preset %s=%q accepted", name, query)
		}
	}
	if _, err := newPresets(doc, map[string]string{"ok": "w=20&fit=cover&h=10&grayscale=true&blur=2.5&dpr=2&flip=hv&gravity=north&rotate=270"}); err != nil {
		t.Errorf("a preset of every parameter: %v", err)
	}
}
