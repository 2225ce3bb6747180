package httpapi

import (
	"image"
	"image/color"
	"image/draw"
	"net/http"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/sign"
)

// bordered is a w×h picture of blocks inside a white border of b pixels.
func bordered(w, h, b int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w+2*b, h+2*b))
	draw.Draw(m, m.Rect, image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(m, image.Rect(b, b, b+w, b+h), testCard(w, h), image.Point{}, draw.Src)
	return m
}

// card16 is a w×h 16-bit picture with alpha.
func card16(w, h int) *image.NRGBA64 {
	m := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA64(x, y, color.NRGBA64{uint16(x * 65535 / w), uint16(y * 65535 / h), 40000, uint16(65535 - x*100)})
		}
	}
	return m
}

// rgbaOf returns img as premultiplied RGBA at the origin.
func rgbaOf(img image.Image) *image.RGBA {
	m := image.NewRGBA(image.Rectangle{Max: img.Bounds().Size()})
	draw.Draw(m, m.Rect, img, img.Bounds().Min, draw.Src)
	return m
}

// TestComposition runs smart and focal crops, pad and background, trim,
// radius and overlay through the full handler and the contract harness
// (every answer validated against the spec, every PNG decoded and its
// size checked), on a directory and on MinIO.
func TestComposition(t *testing.T) {
	for _, b := range imageBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, c := newTestServer(t, Config{Library: library.New(b.store, library.Options{})})
			card := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(300, 200)), 201)
			framed := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", bordered(120, 90, 17)), 201)
			mark := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", solid(image.Rect(0, 0, 40, 20), color.NRGBA{255, 0, 0, 255})), 201)
			etags := map[string]string{}
			get := func(u string, want image.Point) *image.RGBA {
				t.Helper()
				resp, body := getDerived(t, c, srv.URL, u, http.StatusOK, want)
				if prev, ok := etags[resp.Header.Get("ETag")]; ok && prev != u {
					t.Errorf("%s and %s share the ETag %s", u, prev, resp.Header.Get("ETag"))
				}
				etags[resp.Header.Get("ETag")] = u
				return rgbaOf(decodePNG(t, body))
			}

			t.Run("smart and focal crops", func(t *testing.T) {
				get(card.Url+"?w=100&h=100&fit=cover&gravity=smart", image.Pt(100, 100))
				// A focal point at the left edge is the west crop.
				west := get(card.Url+"?w=100&h=100&fit=cover&gravity=west", image.Pt(100, 100))
				focal := get(card.Url+"?w=100&h=100&fit=cover&fx=0&fy=0.5", image.Pt(100, 100))
				if string(west.Pix) != string(focal.Pix) {
					t.Error("fx=0 did not crop as gravity=west")
				}
				// fy alone stands with fx at the centre.
				centre := get(card.Url+"?w=100&h=100&fit=cover", image.Pt(100, 100))
				fy := get(card.Url+"?w=100&h=100&fit=cover&fy=0.2", image.Pt(100, 100))
				if string(centre.Pix) != string(fy.Pix) {
					t.Error("fy alone did not keep the horizontal centre")
				}
			})
			t.Run("pad and background", func(t *testing.T) {
				m := get(card.Url+"?w=200&h=200&fit=pad", image.Pt(200, 200))
				if a := m.RGBAAt(5, 5).A; a != 0 {
					t.Errorf("padding alpha %d, want transparent", a)
				}
				if a := m.RGBAAt(100, 100).A; a != 255 {
					t.Errorf("picture alpha %d, want opaque", a)
				}
				m = get(card.Url+"?w=200&h=200&fit=pad&background=00ff00&gravity=north", image.Pt(200, 200))
				if c := m.RGBAAt(100, 195); c != (color.RGBA{0, 255, 0, 255}) {
					t.Errorf("padding below a north picture %v, want green", c)
				}
			})
			t.Run("trim", func(t *testing.T) {
				get(framed.Url+"?trim=10", image.Pt(120, 90))
				get(framed.Url+"?trim=10&w=60", image.Pt(60, 45))
			})
			t.Run("radius", func(t *testing.T) {
				m := get(card.Url+"?w=150&radius=30", image.Pt(150, 100))
				if a := m.RGBAAt(0, 0).A; a != 0 {
					t.Errorf("corner alpha %d, want 0", a)
				}
				if a := m.RGBAAt(75, 50).A; a != 255 {
					t.Errorf("centre alpha %d, want 255", a)
				}
			})
			t.Run("overlay", func(t *testing.T) {
				plain := get(card.Url+"?w=200", image.Pt(200, 133))
				m := get(card.Url+"?w=200&overlay="+mark.Id+"&overlay_scale=0.2&overlay_margin=10", image.Pt(200, 133))
				// 40 wide (0.2 of 200), 20 high, 10 in from the south-east corner.
				if c := m.RGBAAt(170, 113); c != (color.RGBA{255, 0, 0, 255}) {
					t.Errorf("inside the overlay %v, want red", c)
				}
				if m.RGBAAt(20, 20) != plain.RGBAAt(20, 20) {
					t.Error("the overlay changed pixels outside it")
				}
				half := get(card.Url+"?w=200&overlay="+mark.Id+"&overlay_scale=0.2&overlay_margin=10&overlay_opacity=0.5", image.Pt(200, 133))
				if r := half.RGBAAt(170, 113).R; r < 120 || r == 255 {
					t.Errorf("a half-opaque red overlay left red %d", r)
				}
				missing := strings.Repeat("ab", 32)
				_, body := getDerived(t, c, srv.URL, card.Url+"?w=200&overlay="+missing, http.StatusUnprocessableEntity, image.Point{})
				if !strings.Contains(string(body), missing) {
					t.Errorf("422 for a missing overlay does not name it: %s", body)
				}
			})
			t.Run("all at once, on a 16-bit source", func(t *testing.T) {
				deep := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", card16(120, 80)), 201)
				get(deep.Url+"?w=100&h=100&fit=pad&background=336699cc&radius=12&overlay="+mark.Id+"&trim=3", image.Pt(100, 100))
				get(deep.Url+"?w=50&h=80&fit=cover&gravity=smart", image.Pt(50, 80))
			})
			t.Run("on an animation", func(t *testing.T) {
				anim := upload(t, c, srv.URL, "image/gif", testGIF(t), 201) // 40×30, four frames
				get(anim.Url+"?w=20&h=20&fit=cover&gravity=smart&radius=8&overlay="+mark.Id, image.Pt(20, 20))
				get(anim.Url+"?w=60&h=40&fit=pad&background=ffffff", image.Pt(60, 40))
				// Trim keeps what any frame shows against the first's
				// border: from the blue corner (0,0) of the third to the
				// white (35,25) of the last.
				get(anim.Url+"?trim=0", image.Pt(35, 25))

			})
		})
	}
}

// TestCompositionSigned checks that the new parameters are signed like
// the others: a signature made for one overlay does not serve another.
func TestCompositionSigned(t *testing.T) {
	key := []byte("a signing key of at least 32 chars")
	srv, c := newTestServer(t, Config{SigningKey: key})
	card := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(300, 200)), 201)
	mark := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(40, 20)), 201)
	other := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(41, 20)), 201)
	signed, err := sign.URL(key, card.Url+"?w=200&overlay="+mark.Id+"&gravity=smart&fit=cover&h=100")
	if err != nil {
		t.Fatal(err)
	}
	getDerived(t, c, srv.URL, signed, http.StatusOK, image.Pt(200, 100))
	getDerived(t, c, srv.URL, strings.Replace(signed, mark.Id, other.Id, 1), http.StatusForbidden, image.Point{})
	getDerived(t, c, srv.URL, strings.Replace(signed, "gravity=smart", "gravity=north", 1), http.StatusForbidden, image.Point{})
}
