package library

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"sync/atomic"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
	"github.com/pngd/pngd/internal/imaging"
)

// photoLike is a w×h image with smooth gradients and some texture, so that
// it compresses roughly as a photo does.
func photoLike(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := img.PixOffset(x, y)
			img.Pix[i] = byte(x * 255 / w)
			img.Pix[i+1] = byte(y * 255 / h)
			img.Pix[i+2] = byte((x*y)>>4) ^ byte(x*7+y*13)
			img.Pix[i+3] = 255
		}
	}
	return img
}

// BenchmarkPrepare measures what an upload costs before the store write:
// sniff, header check, decode, normalise, encode the PNG to store, hash.
func BenchmarkPrepare(b *testing.B) {
	src := photoLike(2000, 1500)
	var pngBuf, jpgBuf bytes.Buffer
	if err := png.Encode(&pngBuf, src); err != nil {
		b.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, src, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name string
		data []byte
	}{{"png-2000x1500", pngBuf.Bytes()}, {"jpeg-2000x1500", jpgBuf.Bytes()}} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Prepare(context.Background(), bb.data, imaging.Limits{MaxPixels: 50_000_000}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDeriveCold measures a derived image that is in no cache: a
// 2048×2048 source to a ~256-px-wide PNG, a new box every iteration. The
// pyramid already exists, as it does after a source's first derived image;
// the result is written to the store, as in a server.
func BenchmarkDeriveCold(b *testing.B) {
	lib, _ := openLibrary(b)
	p := storedPhoto(b, lib)
	if _, err := lib.Derive(b.Context(), p.ID, imaging.Params{W: 100}); err != nil { // builds the pyramid
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if _, err := lib.Derive(b.Context(), p.ID, imaging.Params{W: 200 + i%113, H: 313 + i}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeriveFirst is the first derive of a fresh upload: the
// upload stored its pyramid levels and Save kept them in memory, so the
// 256-px output is made from level 2 of the 2040² source with no read.
// Each iteration uploads a source of its own, untimed.
func BenchmarkDeriveFirst(b *testing.B) {
	lib, _ := openLibrary(b)
	deriveFresh(b, lib, 2040, 2040, imaging.Params{W: 256})
}

// BenchmarkDeriveCrop is the first 256×256 cover crop of a fresh 2048×1536
// JPEG upload: at the centre, smart (the attention crop, which reads the
// level it renders from once more), and at the centre with a 64-px
// overlay (loaded from its own pyramid, in memory after the first). The
// targets: smart at most 1.2× centre, the overlay at most 1.1×.
func BenchmarkDeriveCrop(b *testing.B) {
	lib, _ := openLibrary(b)
	var buf bytes.Buffer
	if err := png.Encode(&buf, photoLike(256, 128)); err != nil {
		b.Fatal(err)
	}
	ov := save(b, lib, buf.Bytes())
	box := imaging.Params{W: 256, H: 256, Fit: imaging.Cover}
	smart, overlay := box, box
	smart.Gravity = imaging.Smart
	overlay.Overlay = imaging.Overlay{ID: ov.ID}
	b.Run("centre", func(b *testing.B) { deriveFresh(b, lib, 2048, 1536, box) })
	b.Run("smart", func(b *testing.B) { deriveFresh(b, lib, 2048, 1536, smart) })
	b.Run("overlay", func(b *testing.B) { deriveFresh(b, lib, 2048, 1536, overlay) })
}

// save prepares and stores data, as an upload does.
func save(b *testing.B, lib *Library, data []byte) *Prepared {
	b.Helper()
	p, err := Prepare(context.Background(), data, imaging.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := lib.Save(b.Context(), p); err != nil {
		b.Fatal(err)
	}
	return p
}

// freshPictures numbers deriveFresh's pictures, each its own.
var freshPictures atomic.Int64

// deriveFresh times p's derive of a w×h JPEG uploaded, untimed, before
// each iteration (a picture of its own each time).
func deriveFresh(b *testing.B, lib *Library, w, h int, p imaging.Params) {
	photo := photoLike(w, h)
	for b.Loop() {
		b.StopTimer()
		i := freshPictures.Add(1)
		photo.Pix[0], photo.Pix[1], photo.Pix[2] = byte(i), byte(i>>8), byte(i>>16)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, photo, &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
		pr := save(b, lib, buf.Bytes())
		b.StartTimer()
		if _, err := lib.Derive(b.Context(), pr.ID, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColour measures what keeping a Display P3 profile costs, against
// the same pixels without one (sRGB), on a 12 MP photo (4000×3000): the
// upload (the levels are converted to sRGB), a first derive (the stored
// original decoded, converted, halved into the pyramid, 256 px out), a
// full-size derive (the original decoded and converted: flip=h), and a
// cold derive from a stored level (converted at upload: nothing to do).
// Compare the pairs: benchstat, or the ns/op side by side.
func BenchmarkColour(b *testing.B) {
	photo := photoLike(4000, 3000)
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, photo, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"sRGB", plain.Bytes()},
		{"P3", colourtest.WithAPP2(plain.Bytes(), colourtest.DisplayP3(), 1)},
	} {
		b.Run("upload/"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Prepare(context.Background(), c.data, imaging.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		derive := func(name string, dropLevels bool, params func(i int) imaging.Params) {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				lib, st := openLibrary(b)
				p, err := Prepare(context.Background(), c.data, imaging.Limits{})
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := lib.Save(b.Context(), p); err != nil {
					b.Fatal(err)
				}
				i := 0
				for b.Loop() {
					b.StopTimer()
					i++
					lib.d.cache.InvalidateAll() // cold: nothing decoded in memory
					st.Delete(b.Context(), derivedKey(p.ID, params(i).Canonical()))
					if dropLevels {
						for k := 1; k < len(levelSizes(image.Pt(4000, 3000))); k++ {
							st.Delete(b.Context(), levelKey(p.ID, k))
						}
					}
					b.StartTimer()
					if _, err := lib.Derive(b.Context(), p.ID, params(i)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		derive("first-derive", true, func(i int) imaging.Params { return imaging.Params{W: 256 + i} })
		derive("full-size", false, func(int) imaging.Params { return imaging.Params{FlipH: true} })
		derive("from-level", false, func(i int) imaging.Params { return imaging.Params{W: 300 + i} })
	}
}

// BenchmarkDeriveColdPalette is BenchmarkDeriveCold for a 512-px
// thumbnail, lossless and with quality=60 (a palette), side by side: the
// palette's cost end to end (compare the two lines' ns/op). Warm is the
// same output asked for again, from the cache.
func BenchmarkDeriveColdPalette(b *testing.B) {
	lib, _ := openLibrary(b)
	p := storedPhoto(b, lib)
	for _, c := range []struct {
		name    string
		palette imaging.Palette
	}{{"lossless", imaging.Palette{}}, {"quality=60", imaging.Palette{Quality: 60, HasQuality: true}}} {
		b.Run("cold/"+c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				if _, err := lib.Derive(b.Context(), p.ID, imaging.Params{W: 512, H: 400 + i, Fit: imaging.Cover, Palette: c.palette}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("warm/"+c.name, func(b *testing.B) {
			q := imaging.Params{W: 512, Palette: c.palette}
			if _, err := lib.Derive(b.Context(), p.ID, q); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := lib.Derive(b.Context(), p.ID, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// storedPhoto stores a 2048² photo-like JPEG in lib, pyramid levels and
// all, as an upload does.
func storedPhoto(b *testing.B, lib *Library) *Prepared {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photoLike(2048, 2048), &jpeg.Options{Quality: 80}); err != nil {
		b.Fatal(err)
	}
	p, err := Prepare(context.Background(), buf.Bytes(), imaging.Limits{MaxPixels: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := lib.Save(b.Context(), p); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkDeriveAnimation is a derived animation of a stored 48-frame
// 480×360 GIF (kept as APNG) to about 240 px wide: every frame composed,
// resampled and encoded, a new width every iteration.
func BenchmarkDeriveAnimation(b *testing.B) {
	lib, _ := openLibrary(b)
	photo := photoLike(480, 360)
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, noisyGIF(photo, 48)); err != nil {
		b.Fatal(err)
	}
	p := save(b, lib, buf.Bytes())
	i := 0
	for b.Loop() {
		i++
		if _, err := lib.Derive(b.Context(), p.ID, imaging.Params{W: 200 + i%97}); err != nil {
			b.Fatal(err)
		}
	}
}
