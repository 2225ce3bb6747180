package httpapi

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"net/http"
	"testing"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/colour/colourtest"
)

// TestWideGamutInChromium: a Display P3 photo is stored with its profile,
// and its derived image is converted to sRGB; Chromium, which manages
// colour, draws both to an sRGB canvas in the same colours. (The derived
// image is a mirror image, so that every pixel goes through the derive
// path; it is compared mirrored back.) Without the conversion the derived
// image would be the P3 numbers shown as sRGB, duller: that is checked to
// differ clearly, so the tolerance is known to tell them apart.
func TestWideGamutInChromium(t *testing.T) {
	ctx, base := browse(t)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, colourtest.Chart(120, 80), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/images", "image/jpeg", bytes.NewReader(colourtest.WithAPP2(jpg.Bytes(), colourtest.DisplayP3(), 1)))
	if err != nil {
		t.Fatal(err)
	}
	var im gen.Image
	json.NewDecoder(resp.Body).Decode(&im)
	resp.Body.Close()
	if resp.StatusCode != 201 || im.Colour == nil || im.Colour.Profile != "Display P3" {
		t.Fatalf("upload: %d, colour %+v", resp.StatusCode, im.Colour)
	}
	type result struct {
		Mean, Worst, Unmanaged float64
		Error                  string
	}
	js := `(async () => {
	  try {
	    const pixels = async (u, opts) => {
	      const b = await createImageBitmap(await (await fetch(u)).blob(), opts);
	      const c = new OffscreenCanvas(b.width, b.height), g = c.getContext('2d', {colorSpace: 'srgb'});
	      g.drawImage(b, 0, 0);
	      return {w: b.width, h: b.height, d: g.getImageData(0, 0, b.width, b.height).data};
	    };
	    const orig = await pixels('` + im.Url + `'), der = await pixels('` + im.Url + `?flip=h');
	    const raw = await pixels('` + im.Url + `', {colorSpaceConversion: 'none'});
	    let sum = 0, worst = 0, n = 0, unmanaged = 0;
	    for (let y = 0; y < orig.h; y++) for (let x = 0; x < orig.w; x++) {
	      const i = 4 * (y * orig.w + x), j = 4 * (y * orig.w + (orig.w - 1 - x));
	      for (let c = 0; c < 3; c++) {
	        const d = Math.abs(orig.d[i + c] - der.d[j + c]);
	        sum += d; worst = Math.max(worst, d); n++;
	        unmanaged += Math.abs(raw.d[i + c] - der.d[j + c]);
	      }
	    }
	    return {Mean: sum / n, Worst: worst, Unmanaged: unmanaged / n};
	  } catch (e) { return {Error: String(e)}; }
	})()`
	res := evaluate[result](t, ctx, base+"/docs/", js)
	if res.Error != "" {
		t.Fatalf("Chromium: %s", res.Error)
	}
	t.Logf("Chromium: original (P3, iCCP) against derived (sRGB): mean difference %.2f, largest %.0f; unmanaged P3 numbers against derived: mean %.2f", res.Mean, res.Worst, res.Unmanaged)
	if res.Mean > 1 || res.Worst > 8 {
		t.Errorf("the original and its derived image differ in Chromium: mean %.2f, largest %.0f (want ≤ 1 and ≤ 8)", res.Mean, res.Worst)
	}
	if res.Unmanaged < 4*max(res.Mean, 0.5) {
		t.Errorf("the P3 numbers shown as sRGB differ from the derived image by only %.2f on average: the test cannot tell a conversion from none", res.Unmanaged)
	}
}
