package httpapi

import (
	"bytes"
	"encoding/json"
	"image"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/colour/colourtest"
)

// TestHDRInChromium: Chromium's WebCodecs ImageDecoder decodes a stored
// HDR original (16 bits, cICP 9/16/0/1) as BT.2020 PQ, as its cICP says,
// and so a derived image kept HDR (hdr=keep); the default derived image
// decodes as sRGB (BT.709 primaries, IEC 61966-2-1).
func TestHDRInChromium(t *testing.T) {
	colourtest.Need(t, []string{"avifenc"})
	ctx, base := browse(t)
	dir := t.TempDir()
	src := image.NewNRGBA64(image.Rect(0, 0, 32, 8))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	os.WriteFile(filepath.Join(dir, "in.png"), encodeAs(t, "png", src), 0o644)
	colourtest.Run(t, dir, "avifenc", "-l", "-d", "10", "--cicp", "9/16/0", "--ignore-icc", "in.png", "pq.avif")
	data, _ := os.ReadFile(filepath.Join(dir, "pq.avif"))
	resp, err := http.Post(base+"/images", "image/avif", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var im gen.Image
	json.NewDecoder(resp.Body).Decode(&im)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	type space struct {
		Primaries, Transfer string
		Error               string
	}
	decode := func(url string) space {
		js := `(async () => {
		  try {
		    const r = await fetch(` + "`" + url + "`" + `);
		    const d = new ImageDecoder({data: await r.arrayBuffer(), type: 'image/png'});
		    const f = (await d.decode()).image;
		    return {Primaries: String(f.colorSpace.primaries), Transfer: String(f.colorSpace.transfer)};
		  } catch (e) { return {Error: String(e)}; }
		})()`
		return evaluate[space](t, ctx, base+"/healthz", js)
	}
	orig := decode(im.Url)
	if orig.Error != "" || orig.Primaries != "bt2020" || orig.Transfer != "pq" {
		t.Errorf("Chromium decodes the stored original as %+v; want bt2020 and pq", orig)
	}
	sdr := decode(im.Url + "?w=16")
	if sdr.Error != "" || sdr.Transfer == "pq" {
		t.Errorf("Chromium decodes the derived image as %+v; want SDR", sdr)
	}
	kept := decode(im.Url + "?w=16&hdr=keep")
	if kept.Error != "" || kept.Transfer != "pq" {
		t.Errorf("Chromium decodes the hdr=keep image as %+v; want pq", kept)
	}
	t.Logf("Chromium: original %+v, derived %+v, hdr=keep %+v", orig, sdr, kept)
}
