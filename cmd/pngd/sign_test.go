package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/contract"
)

// TestSignCommand signs a URL with `pngd sign` and has a server started
// with the same key (by flag and by environment) accept it and refuse it
// unsigned.
func TestSignCommand(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef-key"
	h, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	c := h.Client(t)
	base, stop := startRun(t, "-signing-key", key)
	defer stop()

	resp, err := http.Post(base+"/images", "image/png", bytes.NewReader(noise(t, 40, 30, 1)))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %v", err, resp)
	}
	resp.Body.Close()
	path := resp.Header.Get("Location") + "?w=20&grayscale=true"

	env := func(name string) string {
		if name == "PNGD_SIGNING_KEY" {
			return key
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"sign", base + path}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	signed := strings.TrimSpace(out.String())
	if !strings.Contains(signed, "sig=") {
		t.Fatalf("pngd sign printed %q", signed)
	}
	for url, want := range map[string]int{signed: 200, base + path: 403} {
		resp, err := c.Do(contract.WithSize(must(http.NewRequest(http.MethodGet, url, nil)), 20, 15))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
		}
	}

	// The key from the flag beats the environment; no key at all is an error.
	out.Reset()
	if err := run(context.Background(), []string{"sign", "-signing-key", "other key, other signature........", base + path}, env, &out, io.Discard); err != nil || strings.TrimSpace(out.String()) == signed {
		t.Errorf("sign -signing-key: %v, %q", err, out.String())
	}
	if err := run(context.Background(), []string{"sign", base + path}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("sign without a key succeeded")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
