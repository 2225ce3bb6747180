package httpapi

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pngd/pngd/internal/pngenc"
)

func solid(r image.Rectangle, c color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(r)
	draw.Draw(m, r, image.NewUniform(c), image.Point{}, draw.Src)
	return m
}

// TestAPNGInChromium: an APNG written by pngenc opens in Chromium as an
// animation. WebCodecs' ImageDecoder reports its frame count, loop count
// and frame duration, and the first and last frames, composited by the
// browser (offsets, blending, disposal), have the expected pixels.
func TestAPNGInChromium(t *testing.T) {
	ctx, _ := browse(t)
	red, blue, green := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}, color.NRGBA{0, 255, 0, 255}
	a := pngenc.Animation{Width: 40, Height: 30, Frames: []pngenc.Frame{
		{Image: solid(image.Rect(0, 0, 40, 30), red), DelayNum: 1, DelayDen: 10},
		{Image: solid(image.Rect(10, 10, 30, 20), blue), DelayNum: 1, DelayDen: 10},
		{Image: solid(image.Rect(0, 0, 5, 5), green), DelayNum: 1, DelayDen: 10, Blend: pngenc.BlendOver},
	}}
	var buf bytes.Buffer
	if err := (&pngenc.Encoder{}).EncodeAnimation(&buf, a, pngenc.Meta{SRGB: true}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/anim.png" {
			w.Header().Set("Content-Type", "image/png")
			w.Write(buf.Bytes())
			return
		}
		w.Write([]byte("<!doctype html><title>apng</title>"))
	}))
	defer srv.Close()
	type result struct {
		Frames, Repetitions float64
		Animated            bool
		Duration            float64
		First, Last         [][]float64
		Error               string
	}
	js := `(async () => {
	  try {
	    const r = await fetch('/anim.png');
	    const d = new ImageDecoder({data: await r.arrayBuffer(), type: 'image/png'});
	    await d.tracks.ready;
	    const t = d.tracks.selectedTrack;
	    const px = async (i) => {
	      const f = (await d.decode({frameIndex: i})).image;
	      const c = new OffscreenCanvas(40, 30), g = c.getContext('2d');
	      g.drawImage(f, 0, 0);
	      const at = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
	      return {dur: f.duration, px: [at(2, 2), at(12, 12), at(35, 25)]};
	    };
	    const first = await px(0), last = await px(t.frameCount - 1);
	    return {Frames: t.frameCount, Repetitions: t.repetitionCount === Infinity ? -1 : t.repetitionCount,
	            Animated: t.animated, Duration: first.dur, First: first.px, Last: last.px};
	  } catch (e) { return {Error: String(e)}; }
	})()`
	res := evaluate[result](t, ctx, srv.URL+"/", js)
	if res.Error != "" {
		t.Fatalf("Chromium: %s", res.Error)
	}
	if res.Frames != 3 || !res.Animated || res.Repetitions != -1 {
		t.Errorf("Chromium sees %v frames, animated %v, repetitions %v; want 3, true, forever (-1)", res.Frames, res.Animated, res.Repetitions)
	}
	if res.Duration != 100000 {
		t.Errorf("first frame lasts %vµs, want 100000", res.Duration)
	}
	rgba := func(c color.NRGBA) []float64 {
		return []float64{float64(c.R), float64(c.G), float64(c.B), float64(c.A)}
	}
	wantFirst := [][]float64{rgba(red), rgba(red), rgba(red)}
	wantLast := [][]float64{rgba(green), rgba(blue), rgba(red)} // the blue frame stays (dispose none)
	for i := range 3 {
		if !slices.Equal(res.First[i], wantFirst[i]) || !slices.Equal(res.Last[i], wantLast[i]) {
			t.Fatalf("first frame %v, last frame %v; want %v and %v", res.First, res.Last, wantFirst, wantLast)
		}
	}
}

// evaluate opens page in the browser and runs js there, awaiting the
// promise it returns, whose value it decodes into a T.
func evaluate[T any](t *testing.T, ctx context.Context, page, js string) T {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return res
}
