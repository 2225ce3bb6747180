package httpapi

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/pngd/pngd/internal/library"
)

// chromium finds a Chromium to drive. With CI=true a missing browser fails
// the test: CI installs Debian's chromium and this test must run there.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found, and CI=true requires the browser test to run (apt-get install -y chromium)")
	}
	t.Skip("no Chromium found; install Debian's chromium to run the Swagger UI test")
	return ""
}

// TestSwaggerUITryItOut opens /docs/ in headless Chromium, runs "Try it out"
// on GET /vector_image with a chosen size, and waits for the PNG to appear
// as an <img> of exactly that natural size. The browser's API calls are
// checked against the spec on the server's side.
func TestSwaggerUITryItOut(t *testing.T) {
	exe := chromium(t)
	h, err := NewHandler(Config{MaxBodyBytes: 1 << 20, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), Library: library.New(openDirStore(t))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(harness.Middleware(t, h, "/vector_image", "/openapi"))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	const op = `#operations-render-getVectorImage`
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/docs/"),
		chromedp.WaitVisible(op+` .opblock-summary`),
		chromedp.Click(op+` .opblock-summary`),
		chromedp.WaitVisible(op+` .try-out__btn`),
		chromedp.Click(op+` .try-out__btn`),
		chromedp.WaitVisible(op+` tr[data-param-name="width"] input`),
		// The inputs hold the spec's default (256); erase it as a person would.
		chromedp.SendKeys(op+` tr[data-param-name="width"] input`, strings.Repeat(kb.Backspace, 3)+"123"),
		chromedp.SendKeys(op+` tr[data-param-name="height"] input`, strings.Repeat(kb.Backspace, 3)+"45"),
		chromedp.Click(op+` .execute`),
	)
	var natural []int
	if err == nil {
		natural, err = chromedp.Run(ctx, chromedp.Poll[[]int](`(() => { const i = document.querySelector('`+op+` .live-responses-table img');
			return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight] : null })()`))
	}
	if err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(op+` .responses-wrapper`))
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(80)); err == nil {
			os.WriteFile(filepath.Join(os.TempDir(), "pngd-swagger-ui.png"), shot, 0o644)
		}
		t.Fatalf("Swagger UI: %v (screenshot in %s)\nresponses:\n%.4000s", err, filepath.Join(os.TempDir(), "pngd-swagger-ui.png"), html)
	}
	if len(natural) != 2 || natural[0] != 123 || natural[1] != 45 {
		t.Fatalf("<img> natural size = %v, want [123 45]", natural)
	}
}
