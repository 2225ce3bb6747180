package library

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/pngd/pngd/internal/colour/colourtest"
	"github.com/pngd/pngd/internal/imaging"
)

// TestPrepareBytesBoundsAllocation: what Prepare allocates (decoding,
// normalising, orienting, encoding) stays within what the header promised
// (imaging.Header.PrepareBytes), which is what admission reserves, for
// every format and pixel layout an upload arrives in. AVIF and HEIC are
// not here: their WebAssembly decoders grow their memory by copying it,
// so what they allocate in all is about twice what they hold at once; their
// promise is their measured peak (imaging's header.go).
func TestPrepareBytesBoundsAllocation(t *testing.T) {
	const w, h = 1200, 900
	photo := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(1)
	for i := range photo.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		photo.Pix[i] = byte(x>>24)/4 + byte(i/4%w/8)
		if i%4 == 3 {
			photo.Pix[i] = 255
		}
	}
	gray := image.NewGray(photo.Rect)
	gray16 := image.NewGray16(photo.Rect)
	rgba64 := image.NewNRGBA64(photo.Rect)
	for y := range h {
		for xx := range w {
			c := photo.NRGBAAt(xx, y)
			gray.SetGray(xx, y, color.Gray{c.G})
			gray16.SetGray16(xx, y, color.Gray16{uint16(c.G) * 257})
			rgba64.SetNRGBA64(xx, y, color.NRGBA64{uint16(c.R) * 257, uint16(c.G) * 257, uint16(c.B) * 257, 0xffff})
		}
	}
	enc := func(f func(*bytes.Buffer) error) []byte {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	cases := map[string][]byte{
		"png rgb":      enc(func(b *bytes.Buffer) error { return png.Encode(b, photo) }),
		"png gray":     enc(func(b *bytes.Buffer) error { return png.Encode(b, gray) }),
		"png gray16":   enc(func(b *bytes.Buffer) error { return png.Encode(b, gray16) }),
		"png rgb16":    enc(func(b *bytes.Buffer) error { return png.Encode(b, rgba64) }),
		"jpeg 4:2:0":   enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, photo, &jpeg.Options{Quality: 90}) }),
		"jpeg gray":    enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, gray, nil) }),
		"gif":          enc(func(b *bytes.Buffer) error { return gif.Encode(b, photo, nil) }),
		"bmp":          enc(func(b *bytes.Buffer) error { return bmp.Encode(b, photo) }),
		"tiff":         enc(func(b *bytes.Buffer) error { return tiff.Encode(b, photo, nil) }),
		"tiff deflate": enc(func(b *bytes.Buffer) error { return tiff.Encode(b, gray, &tiff.Options{Compression: tiff.Deflate}) }),
		"gif animated": enc(func(b *bytes.Buffer) error { return gif.EncodeAll(b, noisyGIF(photo, 20)) }),
		"jpeg P3": colourtest.WithAPP2(enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, photo, &jpeg.Options{Quality: 90}) }),
			colourtest.DisplayP3(), 2),
	}
	// A JPEG-compressed TIFF, which x/image/tiff refuses and hhrutter/tiff
	// reads, made by ImageMagick from the photo.
	colourtest.Need(t, []string{"convert"})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "photo.png"), enc(func(b *bytes.Buffer) error { return png.Encode(b, photo) }), 0o644)
	colourtest.Run(t, dir, "convert", "photo.png", "-compress", "jpeg", "-define", "tiff:tile-geometry=256x256", "photo.tif")
	cases["tiff jpeg tiles"], _ = os.ReadFile(filepath.Join(dir, "photo.tif"))
	// Progressive JPEGs, whose decoder keeps every coefficient.
	colourtest.Run(t, dir, "convert", "photo.png", "-quality", "90", "-interlace", "Plane", "-sampling-factor", "1x1", "p444.jpg")
	colourtest.Run(t, dir, "convert", "photo.png", "-quality", "90", "-interlace", "Plane", "-sampling-factor", "2x2", "p420.jpg")
	cases["jpeg progressive 4:4:4"], _ = os.ReadFile(filepath.Join(dir, "p444.jpg"))
	cases["jpeg progressive 4:2:0"], _ = os.ReadFile(filepath.Join(dir, "p420.jpg"))
	for name, data := range cases {
		hd, err := imaging.ReadHeader(data, imaging.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := hd.PrepareBytes() + PyramidBytes(hd.Width, hd.Height)
		if hd.Animated() {
			want = hd.PrepareBytes() // no pyramid
		}
		got := allocated(t, func() error { _, err := Prepare(context.Background(), data, imaging.Limits{}); return err })
		t.Logf("%-12s allocated %6.1f MiB, promised %6.1f MiB (%.0f%%)", name, float64(got)/(1<<20), float64(want)/(1<<20), 100*float64(got)/float64(want))
		if got > want {
			t.Errorf("%s: Prepare allocated %d bytes, PrepareBytes promised %d", name, got, want)
		}
	}
}

// allocated is what f allocates in all, after a collection: an upper
// bound of what it holds at once. An error from f fails the test.
func allocated(t *testing.T, f func() error) int64 {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := f(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// noisyGIF is an animation of n frames of half of m's size, each at its
// own place on m's canvas, in a palette of m's first colours.
func noisyGIF(m *image.NRGBA, n int) *gif.GIF {
	b := m.Bounds()
	pal := color.Palette{}
	for i := range 256 {
		pal = append(pal, color.NRGBA{uint8(i), uint8(255 - i), uint8(i * 7), 255})
	}
	g := &gif.GIF{Config: image.Config{ColorModel: pal, Width: b.Dx(), Height: b.Dy()}}
	for i := range n {
		r := image.Rect(0, 0, b.Dx()/2, b.Dy()/2).Add(image.Pt(i*b.Dx()/2/n, i*b.Dy()/2/n))
		f := image.NewPaletted(r, pal)
		for j := range f.Pix {
			f.Pix[j] = m.Pix[(4*j+i)%len(m.Pix)]
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 4)
	}
	return g
}

// TestRenderBytesBoundsAllocation: a cold derive (the pyramid built from
// the original, or level 0 decoded, then resample, turn, blur, encode)
// allocates no more than renderBytes, which is what it reserves.
func TestRenderBytesBoundsAllocation(t *testing.T) {
	photo := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	x := uint32(7)
	for i := range photo.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		photo.Pix[i] = byte(x>>26) + byte(i/4%1600/8)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, photo); err != nil {
		t.Fatal(err)
	}
	for i, p := range []imaging.Params{
		{W: 256},
		{W: 256},
		{W: 1500, Rotate: 90, Blur: 3},
		{W: 4000, H: 300, Fit: imaging.Fill},
		{W: 300, H: 300, Fit: imaging.Cover, Grayscale: true},
	} {
		l, st := openLibrary(t)
		im := stored(t, l, b.Bytes())
		if i == 0 { // an image stored without its levels: the derive builds them
			for k := 1; k < len(levelSizes(image.Pt(1600, 1200))); k++ {
				if err := st.Delete(t.Context(), levelKey(im.ID, k)); err != nil {
					t.Fatal(err)
				}
			}
		}
		src, err := l.source(t.Context(), im.ID)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := p.Canonical().Plan(src.size, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		k := imaging.LevelFor(src.size, len(levelSizes(src.size)), plan.Crop, plan.Resize)
		want := l.renderBytes(im.ID, src, k, plan)
		got := allocated(t, func() error { _, err := l.Derive(t.Context(), im.ID, p); return err })
		t.Logf("%-40s level %d: allocated %6.1f MiB, promised %6.1f MiB (%.0f%%)", p.String(), k, float64(got)/(1<<20), float64(want)/(1<<20), 100*float64(got)/float64(want))
		if got > want {
			t.Errorf("%s: Derive allocated %d bytes, renderBytes promised %d", p.String(), got, want)
		}
	}
}

// TestAnimationBytesBoundsAllocation: deriving from an animation (the
// stored APNG decoded, every frame composed, transformed, and encoded
// again), or one frame of it, allocates no more than animationBytes.
func TestAnimationBytesBoundsAllocation(t *testing.T) {
	photo := image.NewNRGBA(image.Rect(0, 0, 800, 600))
	for i := range photo.Pix {
		photo.Pix[i] = byte(i * 7 / 3)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, noisyGIF(photo, 24)); err != nil {
		t.Fatal(err)
	}
	l, _ := openLibrary(t)
	im := stored(t, l, b.Bytes())
	for _, p := range []imaging.Params{{W: 200}, {W: 800, Rotate: 90}, {W: 300, Frame: 20, OneFrame: true}} {
		src, err := l.source(t.Context(), im.ID)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := p.Canonical().Plan(src.size, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		want := animationBytes(src, plan, p)
		got := allocated(t, func() error { _, err := l.Derive(t.Context(), im.ID, p); return err })
		t.Logf("%-48s allocated %6.1f MiB, promised %6.1f MiB (%.0f%%)", p.String(), float64(got)/(1<<20), float64(want)/(1<<20), 100*float64(got)/float64(want))
		if got > want {
			t.Errorf("%s: Derive allocated %d bytes, animationBytes promised %d", p.String(), got, want)
		}
	}
}
