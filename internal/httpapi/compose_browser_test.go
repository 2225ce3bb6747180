package httpapi

import (
	"fmt"
	"image"
	"image/color"
	"net/http"
	"testing"
)

// TestCompositionInChromium draws a padded transparent PNG, a rounded one
// and an overlaid one from pngd over a blue page in Chromium, and checks
// the pixels at a few points: the page shows through the padding and the
// corners, the picture is where pngd put it, and the half-opaque overlay
// is blended with what is under it.
func TestCompositionInChromium(t *testing.T) {
	ctx, base := browse(t)
	c := &http.Client{}
	green := upload(t, c, base, "image/png", encodeAs(t, "png", solid(image.Rect(0, 0, 60, 40), color.NRGBA{0, 200, 0, 255})), 201)
	red := upload(t, c, base, "image/png", encodeAs(t, "png", solid(image.Rect(0, 0, 40, 20), color.NRGBA{255, 0, 0, 255})), 201)
	type result struct {
		Pad, Round, Overlay [][]float64
		Error               string
	}
	js := fmt.Sprintf(`(async () => {
	  try {
	    const draw = async (url, w, h, pts) => {
	      const r = await fetch(url);
	      if (r.status !== 200) throw new Error(url + ': ' + r.status);
	      const b = await createImageBitmap(await r.blob());
	      const c = new OffscreenCanvas(w, h), g = c.getContext('2d');
	      g.fillStyle = 'rgb(0, 0, 255)'; g.fillRect(0, 0, w, h);
	      g.drawImage(b, 0, 0);
	      return pts.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data));
	    };
	    return {
	      Pad: await draw('/images/%[1]s?w=80&h=80&fit=pad', 80, 80, [[2, 2], [40, 40], [40, 77]]),
	      Round: await draw('/images/%[1]s?w=60&radius=15', 60, 40, [[0, 0], [59, 39], [30, 20]]),
	      Overlay: await draw('/images/%[1]s?w=60&overlay=%[2]s&overlay_scale=0.5&overlay_opacity=0.5', 60, 40, [[50, 35], [5, 5]]),
	    };
	  } catch (e) { return {Error: String(e)}; }
	})()`, green.Id, red.Id)
	res := evaluate[result](t, ctx, base+"/healthz", js)
	if res.Error != "" {
		t.Fatalf("Chromium: %s", res.Error)
	}
	near := func(got []float64, want ...float64) bool {
		for i := range want {
			if d := got[i] - want[i]; d > 3 || d < -3 {
				return false
			}
		}
		return true
	}
	blue, grn := []float64{0, 0, 255, 255}, []float64{0, 200, 0, 255}
	for _, c := range []struct {
		name string
		got  []float64
		want []float64
	}{
		{"padding (2,2)", res.Pad[0], blue}, {"padded picture (40,40)", res.Pad[1], grn}, {"padding (40,77)", res.Pad[2], blue},
		{"rounded corner (0,0)", res.Round[0], blue}, {"rounded corner (59,39)", res.Round[2-1], blue}, {"inside (30,20)", res.Round[2], grn},
		{"half-opaque red over green (50,35)", res.Overlay[0], []float64{128, 100, 0, 255}}, {"outside the overlay (5,5)", res.Overlay[1], grn},
	} {
		if !near(c.got, c.want...) {
			t.Errorf("%s: Chromium shows %v, want %v", c.name, c.got, c.want)
		}
	}
}
