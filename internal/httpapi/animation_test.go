package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"net/http"
	"slices"
	"testing"

	"github.com/pngd/pngd/gen"
)

// testGIF is an animated GIF with what GIFs do: a first frame smaller than
// the canvas, each disposal method, transparency composed over earlier
// frames, four delays and a loop count of 2 (three plays).
func testGIF(t *testing.T) []byte {
	pal := color.Palette{color.Transparent, color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255}, color.NRGBA{0, 0, 255, 255}, color.NRGBA{255, 255, 255, 255}}
	frame := func(r image.Rectangle, fill image.Rectangle, idx uint8) *image.Paletted {
		m := image.NewPaletted(r, pal)
		for y := fill.Min.Y; y < fill.Max.Y; y++ {
			for x := fill.Min.X; x < fill.Max.X; x++ {
				m.SetColorIndex(x, y, idx)
			}
		}
		return m
	}
	g := &gif.GIF{
		Image: []*image.Paletted{
			frame(image.Rect(5, 5, 25, 15), image.Rect(5, 5, 25, 15), 1),     // red, inside the canvas
			frame(image.Rect(20, 10, 30, 20), image.Rect(20, 10, 30, 20), 2), // green, then cleared
			frame(image.Rect(0, 0, 40, 30), image.Rect(0, 0, 8, 8), 3),       // blue corner over the rest, then undone
			frame(image.Rect(30, 20, 35, 25), image.Rect(30, 20, 35, 25), 4), // white
		},
		Delay:     []int{10, 20, 30, 40},
		Disposal:  []byte{gif.DisposalNone, gif.DisposalBackground, gif.DisposalPrevious, gif.DisposalNone},
		LoopCount: 2,
		Config:    image.Config{ColorModel: pal, Width: 40, Height: 30},
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAnimationInChromium: an animated GIF is stored as an APNG that
// Chromium, decoding both with WebCodecs' ImageDecoder, shows exactly as
// it shows the GIF: the same frames, pixel for pixel after composing, the
// same durations and repetitions. /info says so too. The derived image of
// the animation is an animation of as many frames and the same timing;
// frame=N is the GIF's frame N as a still.
func TestAnimationInChromium(t *testing.T) {
	ctx, base := browse(t)
	gifBytes := testGIF(t)
	im := postImage(t, base, "image/gif", gifBytes)
	if a := im.Animation; a == nil || a.Frames != 4 || a.DurationMs != 1000 || a.Loops != 3 || im.Width != 40 || im.Height != 30 {
		t.Fatalf("upload says %dx%d, animation %+v; want 40×30, 4 frames, 1000 ms, 3 plays", im.Width, im.Height, im.Animation)
	}
	resp, err := http.Get(base + im.Url + "/info")
	if err != nil {
		t.Fatal(err)
	}
	var info gen.Image
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info.Animation == nil || *info.Animation != *im.Animation {
		t.Errorf("info's animation %+v, want %+v", info.Animation, im.Animation)
	}

	type track struct {
		Frames, Repetitions float64
		Durations           []float64
		Pixels              [][]float64 // each frame's RGBA, composed, at the track's size
		Error               string
	}
	js := `(async () => {
	  const decode = async (data, type) => {
	    try {
	      const d = new ImageDecoder({data, type});
	      await d.tracks.ready;
	      const t = d.tracks.selectedTrack;
	      const out = {Frames: t.frameCount, Repetitions: t.repetitionCount === Infinity ? -1 : t.repetitionCount, Durations: [], Pixels: []};
	      for (let i = 0; i < t.frameCount; i++) {
	        const f = (await d.decode({frameIndex: i})).image;
	        const c = new OffscreenCanvas(f.displayWidth, f.displayHeight), g = c.getContext('2d');
	        g.drawImage(f, 0, 0);
	        out.Durations.push(f.duration || 0);
	        out.Pixels.push(Array.from(g.getImageData(0, 0, c.width, c.height).data));
	      }
	      return out;
	    } catch (e) { return {Error: String(e)}; }
	  };
	  const get = async (u) => (await fetch(u)).arrayBuffer();
	  const gif = Uint8Array.from(atob('` + base64.StdEncoding.EncodeToString(gifBytes) + `'), c => c.charCodeAt(0));
	  return [await decode(gif, 'image/gif'), await decode(await get('` + im.Url + `'), 'image/png'),
	          await decode(await get('` + im.Url + `?w=20'), 'image/png'), await decode(await get('` + im.Url + `?frame=2'), 'image/png')];
	})()`
	res := evaluate[[]track](t, ctx, base+"/docs/", js)
	for i, r := range res {
		if r.Error != "" {
			t.Fatalf("Chromium, track %d: %s", i, r.Error)
		}
	}
	g, stored, derived, still := res[0], res[1], res[2], res[3]
	t.Logf("GIF: %v frames, %v repetitions, durations %v; stored %v/%v/%v; derived %v/%v; still %v", g.Frames, g.Repetitions, g.Durations, stored.Frames, stored.Repetitions, stored.Durations, derived.Frames, derived.Durations, still.Frames)
	if g.Frames != 4 {
		t.Fatalf("Chromium sees %v frames in the GIF", g.Frames)
	}
	if stored.Frames != g.Frames || stored.Repetitions != g.Repetitions || !slices.Equal(stored.Durations, g.Durations) {
		t.Errorf("stored APNG: %v frames, %v repetitions, durations %v; the GIF: %v, %v, %v",
			stored.Frames, stored.Repetitions, stored.Durations, g.Frames, g.Repetitions, g.Durations)
	}
	for i := range min(len(g.Pixels), len(stored.Pixels)) {
		if !slices.Equal(g.Pixels[i], stored.Pixels[i]) {
			t.Errorf("frame %d differs between the GIF and the stored APNG", i)
		}
	}
	if derived.Frames != g.Frames || derived.Repetitions != g.Repetitions || !slices.Equal(derived.Durations, g.Durations) {
		t.Errorf("derived APNG: %v frames, %v repetitions, durations %v; want the GIF's", derived.Frames, derived.Repetitions, derived.Durations)
	}
	if len(derived.Pixels) > 0 && len(derived.Pixels[0]) != 20*15*4 {
		t.Errorf("derived frames have %d values, want 20×15×4", len(derived.Pixels[0]))
	}
	if still.Frames != 1 || len(still.Pixels) != 1 || !slices.Equal(still.Pixels[0], g.Pixels[2]) {
		t.Errorf("frame=2 is not the GIF's third frame as a still (%v frames)", still.Frames)
	}
}
