package httpapi

import (
	"bytes"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/pngd/pngd/internal/contract"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/library"
)

// TestDerivedProperties draws random combinations of the transform
// parameters, valid and not, and checks every answer: never a 5xx, always
// valid against the spec (the harness), and a 200 is a PNG of exactly the
// size the parameters imply, worked out here independently of the server.
func TestDerivedProperties(t *testing.T) {
	const srcW, srcH, maxPixels = 53, 37, 300_000
	lib := library.New(openDirStore(t), library.Options{MaxOutputPixels: maxPixels})
	srv, c := newTestServer(t, Config{Library: lib})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(srcW, srcH)), 201)
	// An animation of the same size, whose derived images are
	// animations of that size, and frame=N a frame of it.
	anim := upload(t, c, srv.URL, "image/gif", animatedCard(t, srcW, srcH, 3), 201)
	// An overlay, and the sizes trim leaves of the still image (found by
	// imaging.FindTrim, which TestTrimAgainstVips checks against libvips).
	mark := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(20, 9)), 201)
	tally := map[int]int{}
	src := rgbaOf(testCard(srcW, srcH))
	trimmed := map[string]image.Point{}
	for _, th := range trims {
		v, _ := strconv.ParseFloat(th, 64)
		trimmed[th] = imaging.FindTrim(src, v).Size()
	}
	pr := func(u string, frames int) func(*rapid.T) {
		return property(t, c, u, frames, tally, mark.Id, trimmed)
	}

	defer func() { t.Logf("statuses drawn: %v", tally) }()
	// rapid runs 100 cases per Check unless -rapid.checks says otherwise;
	// five Checks make 500 in make test, and two more on the animation.
	for range 5 {
		rapid.Check(t, pr(srv.URL+im.Url, 1))
	}
	for range 2 {
		rapid.Check(t, pr(srv.URL+anim.Url, 3))
	}
}

// trims are the thresholds the property draws for trim.
var trims = []string{"0", "10", "60", "200", "255"}

// animatedCard is a GIF of n frames of a w×h test card, each shifted.
func animatedCard(t *testing.T, w, h, n int) []byte {
	g := &gif.GIF{LoopCount: 0}
	for i := range n {
		m := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
		card := testCard(w, h)
		draw.Draw(m, m.Rect, card, image.Pt(i, 0), draw.Src)
		g.Image = append(g.Image, m)
		g.Delay = append(g.Delay, 5)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func property(t *testing.T, c *http.Client, imageURL string, frames int, tally map[int]int, overlay string, trimmed map[string]image.Point) func(*rapid.T) {
	const srcW, srcH, maxPixels = 53, 37, 300_000
	return func(rt *rapid.T) {
		q := url.Values{}
		valid := true
		// Each parameter is absent (one time in two), valid, or (one time
		// in 32) invalid: with 28 of them, about 40% of the requests are
		// valid.
		optional := func(name string, good *rapid.Generator[string], bad ...string) (string, bool) {
			switch d := rapid.IntRange(0, 31).Draw(rt, name+"?"); {
			case d < 16:
				return "", false
			case d == 31:
				q.Set(name, rapid.SampledFrom(bad).Draw(rt, name))
				valid = false
				return "", false
			}
			v := good.Draw(rt, name)
			q.Set(name, v)
			return v, true
		}
		str := func(g *rapid.Generator[int]) *rapid.Generator[string] { return rapid.Map(g, strconv.Itoa) }
		sizes := str(rapid.OneOf(rapid.IntRange(1, 150), rapid.IntRange(1, 150), rapid.IntRange(1, 8192)))
		ws, hasW := optional("w", sizes, "0", "-1", "8193", "1.5", "x", "99999999999999999999")
		hs, hasH := optional("h", sizes, "0", "8193", "", "1e3")
		fit, _ := optional("fit", rapid.SampledFrom([]string{"contain", "cover", "fill", "pad"}), "stretch", "COVER")
		optional("gravity", rapid.SampledFrom([]string{"center", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest", "smart"}), "up", "")
		fractions := rapid.SampledFrom([]string{"0", "0.25", "0.5", "0.999", "1"})
		optional("fx", fractions, "1.01", "-0.1", "NaN")
		optional("fy", fractions, "2", "x")
		optional("background", rapid.SampledFrom([]string{"ffffff", "00000000", "336699cc", "ABCDEF"}), "fff", "gggggg", "#ffffff")
		optional("radius", rapid.SampledFrom([]string{"0", "1", "7", "4096"}), "-1", "4097", "2.5")
		ov, hasOverlay := optional("overlay", rapid.SampledFrom([]string{overlay, overlay, strings.Repeat("0", 64)}), "abc", strings.ToUpper(overlay))
		optional("overlay_gravity", rapid.SampledFrom([]string{"center", "north", "southeast"}), "smart", "up")
		optional("overlay_scale", rapid.SampledFrom([]string{"0.01", "0.5", "1"}), "0", "1.5", "-1")
		optional("overlay_opacity", rapid.SampledFrom([]string{"0", "0.5", "1"}), "2", "-0.5")
		optional("overlay_margin", rapid.SampledFrom([]string{"0", "3", "4096"}), "-1", "4097")
		var trim string
		hasTrim := false
		if frames == 1 { // an animation's trim is the union over its frames: TestComposition
			trim, hasTrim = optional("trim", rapid.SampledFrom(trims), "-1", "256", "x")
		}
		rot, _ := optional("rotate", rapid.SampledFrom([]string{"0", "90", "180", "270"}), "45", "-90", "360")
		optional("flip", rapid.SampledFrom([]string{"none", "h", "v", "hv"}), "vh", "x")
		optional("grayscale", rapid.SampledFrom([]string{"true", "false"}), "yes", "2")
		optional("blur", rapid.SampledFrom([]string{"0", "0.5", "3", "17.25", "100"}), "100.1", "-1", "NaN", "1e999", "Infinity")
		dprs, _ := optional("dpr", rapid.SampledFrom([]string{"1", "1.5", "2", "3.3", "4"}), "0.9", "4.5", "Inf", "NaN")
		if dprs == "" {
			dprs = "1"
		}
		optional("depth", rapid.SampledFrom([]string{"8", "16"}), "7", "32", "x")
		frame, hasFrame := optional("frame", rapid.SampledFrom([]string{"0", "1", "2", "3", "1000000"}), "-1", "x", "1000001", "1.5")
		colors, hasColors := optional("colors", rapid.SampledFrom([]string{"2", "16", "255", "256"}), "1", "257", "x")
		quality, hasQuality := optional("quality", rapid.SampledFrom([]string{"0", "50", "99", "100"}), "-1", "101", "x")
		optional("dither", rapid.SampledFrom([]string{"0", "0.5", "1"}), "1.5", "-0.1", "NaN")
		budget, hasBudget := optional("max_bytes", rapid.SampledFrom([]string{"1", "100000000"}), "0", "-5", "x")
		_ = quality

		req := newRequest(t, http.MethodGet, imageURL+"?"+q.Encode(), "", "")
		want, wantStatus := image0, 400
		if valid {
			dpr, _ := strconv.ParseFloat(dprs, 64)
			w, h := 0.0, 0.0
			if hasW {
				n, _ := strconv.Atoi(ws)
				w = math.Round(float64(n) * dpr)
			}
			if hasH {
				n, _ := strconv.Atoi(hs)
				h = math.Round(float64(n) * dpr)
			}
			turned := rot == "90" || rot == "270"
			if turned { // the resize happens before the rotation
				w, h = h, w
			}
			var ow, oh float64
			srcW, srcH := float64(srcW), float64(srcH)
			if hasTrim {
				srcW, srcH = float64(trimmed[trim].X), float64(trimmed[trim].Y)
			}
			switch {
			case w == 0 && h == 0:
				ow, oh = srcW, srcH
			case h == 0:
				ow, oh = w, math.Max(1, math.Round(srcH*w/srcW))
			case w == 0:
				ow, oh = math.Max(1, math.Round(srcW*h/srcH)), h
			case fit == "cover" || fit == "fill" || fit == "pad":
				ow, oh = w, h
			default:
				s := math.Min(w/srcW, h/srcH)
				ow, oh = math.Max(1, math.Round(srcW*s)), math.Max(1, math.Round(srcH*s))
			}
			if turned {
				ow, oh = oh, ow
			}
			n, _ := strconv.Atoi(frame)
			if ow*oh > maxPixels || (hasFrame && n >= frames) || (hasBudget && budget == "1") || (hasOverlay && ov != overlay) {
				wantStatus = 422
			} else {
				wantStatus, want = 200, [2]int{int(ow), int(oh)}
				req = contract.WithSize(req, want[0], want[1])
			}
		}

		resp, body := do(t, c, req)
		tally[resp.StatusCode]++
		if resp.StatusCode >= 500 {
			rt.Fatalf("?%s: %d %s", q.Encode(), resp.StatusCode, body)
		}
		if resp.StatusCode != wantStatus {
			rt.Fatalf("?%s: status %d, want %d; %s", q.Encode(), resp.StatusCode, wantStatus, body)
		}
		if wantStatus == 200 {
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil {
				rt.Fatalf("?%s: %v", q.Encode(), err)
			}
			if got := img.Bounds().Size(); got.X != want[0] || got.Y != want[1] {
				rt.Fatalf("?%s: %v, want %dx%d", q.Encode(), got, want[0], want[1])
			}
			// colors alone is always at most that many colours: a palette
			// for a still; an animation's frames may each have their own
			// (the first frame is checked).
			if hasColors && !hasQuality && !hasBudget {
				n, _ := strconv.Atoi(colors)
				seen := map[color.Color]bool{}
				b := img.Bounds()
				for y := b.Min.Y; y < b.Max.Y; y++ {
					for x := b.Min.X; x < b.Max.X; x++ {
						seen[color.NRGBAModel.Convert(img.At(x, y))] = true
					}
				}
				_, paletted := img.(*image.Paletted)
				if len(seen) > n || (!paletted && (frames == 1 || hasFrame)) {
					rt.Fatalf("?%s: %T of %d colours, want at most %d", q.Encode(), img, len(seen), n)
				}
			}
		}
	}
}

var image0 [2]int
