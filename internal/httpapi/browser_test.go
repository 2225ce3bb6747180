package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
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

// browse starts pngd behind the server-side contract check for prefixes and
// a headless Chromium, and returns a browser context and pngd's URL.
func browse(t *testing.T, prefixes ...string) (context.Context, string) {
	t.Helper()
	exe := chromium(t)
	h, err := NewHandler(Config{MaxBodyBytes: 1 << 20, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), Library: library.New(openDirStore(t), library.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(harness.Middleware(t, h, prefixes...))
	t.Cleanup(srv.Close)

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
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx, srv.URL
}

// failBrowser ends a browser test with what the page showed.
func failBrowser(t *testing.T, ctx context.Context, op string, err error) {
	t.Helper()
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(op+` .responses-wrapper`))
	shot := filepath.Join(os.TempDir(), "pngd-swagger-ui.png")
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(80)); err == nil {
		os.WriteFile(shot, png, 0o644)
	}
	t.Fatalf("Swagger UI: %v (screenshot in %s)\nresponses:\n%.4000s", err, shot, html)
}

// tryItOut opens /docs/ at base, expands the operation op (a CSS selector)
// and presses its "Try it out" button.
func tryItOut(base, op string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/docs/"),
		chromedp.WaitVisible(op + ` .opblock-summary`),
		chromedp.Click(op + ` .opblock-summary`),
		chromedp.WaitVisible(op + ` .try-out__btn`),
		chromedp.Click(op + ` .try-out__btn`),
	}
}

// shownImageSize waits, unless the steps before it failed with err, for
// Swagger UI to show op's answer as a loaded <img>, and returns its natural
// width and height.
func shownImageSize(t *testing.T, ctx context.Context, op string, err error) []int {
	t.Helper()
	var natural []int
	if err == nil {
		natural, err = chromedp.Run(ctx, chromedp.Poll[[]int](`(() => { const i = document.querySelector('`+op+` .live-responses-table img');
			return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight] : null })()`))
	}
	if err != nil {
		failBrowser(t, ctx, op, err)
	}
	return natural
}

// TestSwaggerUITryItOut opens /docs/ in headless Chromium, runs "Try it out"
// on GET /vector_image with a chosen size, and waits for the PNG to appear
// as an <img> of exactly that natural size. The browser's API calls are
// checked against the spec on the server's side.
func TestSwaggerUITryItOut(t *testing.T) {
	ctx, base := browse(t, "/vector_image", "/openapi")
	const op = `#operations-render-getVectorImage`
	err := chromedp.Do(ctx, append(tryItOut(base, op),
		chromedp.WaitVisible(op+` tr[data-param-name="width"] input`),
		// The inputs hold the spec's default (256); erase it as a person would.
		chromedp.SendKeys(op+` tr[data-param-name="width"] input`, strings.Repeat(kb.Backspace, 3)+"123"),
		chromedp.SendKeys(op+` tr[data-param-name="height"] input`, strings.Repeat(kb.Backspace, 3)+"45"),
		chromedp.Click(op+` .execute`),
	)...)
	natural := shownImageSize(t, ctx, op, err)
	if len(natural) != 2 || natural[0] != 123 || natural[1] != 45 {
		t.Fatalf("<img> natural size = %v, want [123 45]", natural)
	}
}

// TestSwaggerUIUpload uploads a PNG file through "Try it out" on POST
// /images, in each of the two body media types the spec offers, and waits
// for Swagger UI to show the answer: 201, then 200 for the same picture.
func TestSwaggerUIUpload(t *testing.T) {
	ctx, base := browse(t, "/images", "/openapi")
	file := filepath.Join(t.TempDir(), "card.png")
	if err := os.WriteFile(file, encodeAs(t, "png", testCard(33, 22)), 0o644); err != nil {
		t.Fatal(err)
	}
	const op = `#operations-images-uploadImage`
	err := chromedp.Do(ctx, append(tryItOut(base, op),
		chromedp.WaitVisible(op+` input[type=file]`),
		chromedp.SetUploadFiles(op+` input[type=file]`, []string{file}),
		chromedp.Click(op+` .execute`),
	)...)
	for _, want := range []struct{ status, contentType string }{{"201", "image/"}, {"200", "multipart/form-data"}} {
		if err == nil && want.status == "200" {
			// The same file again, as multipart/form-data this time.
			err = chromedp.Do(ctx,
				chromedp.SetValue(op+` .body-param-content-type select`, "multipart/form-data"),
				chromedp.WaitVisible(op+` input[type=file]`),
				chromedp.SetUploadFiles(op+` input[type=file]`, []string{file}),
				chromedp.Click(op+` .execute`),
			)
		}
		if err == nil {
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const c = document.querySelector('`+op+` .live-responses-table tr.response .response-col_status');
				const table = document.querySelector('`+op+` .live-responses-table');
				const curl = document.querySelector('`+op+` .curl');
				return c !== null && c.textContent.trim().startsWith('`+want.status+`') && table.textContent.includes('"width": 33') &&
					curl !== null && curl.textContent.includes('Content-Type: `+want.contentType+`') })()`))
		}
		if err != nil {
			failBrowser(t, ctx, op, fmt.Errorf("waiting for %s from a %s upload: %w", want.status, want.contentType, err))
		}
	}
}

// TestSwaggerUIDerived runs "Try it out" on GET /images/{id} with w and
// rotate, as someone exploring derived images would, and waits for the PNG
// to appear as an <img> of the size those parameters imply: a 60×40 card
// turned a quarter and 40 wide is 40×60.
func TestSwaggerUIDerived(t *testing.T) {
	ctx, base := browse(t, "/images", "/openapi")
	resp, err := http.Post(base+"/images", "image/png", bytes.NewReader(encodeAs(t, "png", testCard(60, 40))))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %v", err, resp)
	}
	resp.Body.Close()
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/images/")

	const op = `#operations-images-getImage`
	err = chromedp.Do(ctx, append(tryItOut(base, op),
		chromedp.WaitVisible(op+` tr[data-param-name="id"] input`),
		// The id input holds the spec's example id; replace it.
		chromedp.SendKeys(op+` tr[data-param-name="id"] input`, strings.Repeat(kb.Backspace, 64)+id),
		// The input holds the spec's example (256); erase it as a person would.
		chromedp.SendKeys(op+` tr[data-param-name="w"] input`, strings.Repeat(kb.Backspace, 3)+"40"),
		chromedp.SetValue(op+` tr[data-param-name="rotate"] select`, "90"),
		chromedp.Click(op+` .execute`),
	)...)
	natural := shownImageSize(t, ctx, op, err)
	if len(natural) != 2 || natural[0] != 40 || natural[1] != 60 {
		t.Fatalf("<img> natural size = %v, want [40 60]", natural)
	}
}
