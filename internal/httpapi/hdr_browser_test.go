package httpapi

import (
	"testing"
)

// TestHDRInChromium: Chromium's WebCodecs ImageDecoder decodes a stored
// HDR original (16 bits, cICP 9/16/0/1) as BT.2020 PQ, as its cICP says,
// and so a derived image kept HDR (hdr=keep); the default derived image
// decodes as sRGB (BT.709 primaries, IEC 61966-2-1).
func TestHDRInChromium(t *testing.T) {
	data := pqAVIF(t)
	ctx, base := browse(t)
	im := postImage(t, base, "image/avif", data)
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
