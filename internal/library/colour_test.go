package library

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/colour/colourtest"
	"github.com/pngd/pngd/internal/imaging"
	"golang.org/x/image/tiff"
)

// TestColourAgainstLittleCMS: uploads in sRGB, Display P3, Adobe RGB (1998)
// and CMYK, in every format that carries a profile, keep it byte for byte
// in the stored PNG, and their derived images match Little CMS's
// conversion to sRGB (ImageMagick's -profile, and tificc for the TIFF)
// within 45 dB PSNR. The derived image is a mirror image, so that every
// pixel goes through the derive path at full size; it is mirrored back to
// compare.
func TestColourAgainstLittleCMS(t *testing.T) {
	colourtest.Need(t, []string{"convert", "tificc", "avifenc", "cjpeg"}, colourtest.AdobeRGB, colourtest.SRGB)
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	run := func(args ...string) { colourtest.Run(t, dir, "convert", args...) }

	var chart bytes.Buffer
	if err := png.Encode(&chart, colourtest.Chart(240, 160)); err != nil {
		t.Fatal(err)
	}
	write("chart.png", chart.Bytes())
	write("p3.icc", colourtest.DisplayP3())
	adobe, err := os.ReadFile(colourtest.AdobeRGB)
	if err != nil {
		t.Fatal(err)
	}
	srgb, _ := os.ReadFile(colourtest.SRGB)
	write("fogra39.icc", colour.DefaultCMYK().Data)

	// The JPEG's pixels as Go decodes them, so that the reference
	// differs from pngd only in the conversion.
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, colourtest.Chart(240, 160), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	decoded, err := jpeg.Decode(bytes.NewReader(jpg.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var dec bytes.Buffer
	png.Encode(&dec, decoded)
	write("jpeg-pixels.png", dec.Bytes())

	// A CMYK JPEG with FOGRA39 embedded, and the same without it.
	run("chart.png", "-profile", colourtest.SRGB, "-profile", "fogra39.icc", "-quality", "98", "cmyk.jpg")
	run("cmyk.jpg", "+profile", "*", "cmyk-plain.jpg")
	// A CMYK JPEG without Adobe's APP14 marker (which image/jpeg refuses)
	// and without a profile. ImageMagick reads it through libjpeg, with
	// Adobe's inverted samples.
	write("cmyk-noapp14.jpg", withoutAPP14(t, read("cmyk-plain.jpg")))

	cases := []struct {
		name    string
		upload  func() []byte
		profile []byte // kept in iCCP; nil: tagged sRGB
		ref     func() // writes ref.png (and ref.tif)
	}{
		{"PNG without profile (sRGB)", func() []byte { return chart.Bytes() }, nil,
			func() { run("chart.png", "ref.png") }},
		{"PNG with sRGB profile", func() []byte {
			run("chart.png", "-profile", colourtest.SRGB, "up.png")
			return read("up.png")
		}, srgb, func() { run("chart.png", "ref.png") }},
		{"JPEG, Display P3 in three APP2 segments", func() []byte {
			return colourtest.WithAPP2(jpg.Bytes(), colourtest.DisplayP3(), 3)
		}, colourtest.DisplayP3(), func() {
			run("jpeg-pixels.png", "-profile", "p3.icc", "in.png")
			run("in.png", "-profile", colourtest.SRGB, "ref.png")
		}},
		{"PNG, Display P3 in iCCP", func() []byte {
			run("chart.png", "-profile", "p3.icc", "up.png")
			return read("up.png")
		}, colourtest.DisplayP3(), func() { run("up.png", "-profile", colourtest.SRGB, "ref.png") }},
		{"TIFF, Adobe RGB", func() []byte {
			run("chart.png", "-profile", colourtest.AdobeRGB, "-compress", "none", "up.tif")
			return read("up.tif")
		}, adobe, func() {
			run("up.tif", "-profile", colourtest.SRGB, "ref.png")
			colourtest.Run(t, dir, "tificc", "up.tif", "ref.tif")
		}},
		{"WebP, Adobe RGB", func() []byte {
			run("chart.png", "-profile", colourtest.AdobeRGB, "-define", "webp:lossless=true", "up.webp")
			return read("up.webp")
		}, adobe, func() {
			run("chart.png", "-profile", colourtest.AdobeRGB, "in.png")
			run("in.png", "-profile", colourtest.SRGB, "ref.png")
		}},
		{"AVIF, Display P3 as nclx 12/13 (no profile)", func() []byte {
			run("chart.png", "-profile", "p3.icc", "p3n.png") // the chart's numbers, as P3
			colourtest.Run(t, dir, "avifenc", "-l", "--ignore-icc", "--cicp", "12/13/0", "p3n.png", "up.avif")
			return read("up.avif")
		}, colour.MatrixProfile("Display P3, sRGB transfer (from nclx 12/13/0)", colour.PrimariesP3, colour.WhiteD65, colour.SRGBCurve),
			func() { run("p3n.png", "-profile", colourtest.SRGB, "ref.png") }},
		{"JPEG of XYB samples, a lutAtoB profile with a CLUT (jpegli's kind; made here: colourtest.XYBProfile)", func() []byte {
			write("xyb.icc", colourtest.XYBProfile())
			var xyb bytes.Buffer
			png.Encode(&xyb, colourtest.ToXYB(colourtest.Chart(240, 160)))
			write("xyb.png", xyb.Bytes())
			run("xyb.png", "xyb.ppm")
			// RGB components, not Y'CbCr, and the profile, as jpegli writes them.
			colourtest.Run(t, dir, "sh", "-c", "cjpeg -rgb -quality 95 -icc xyb.icc xyb.ppm > xyb.jpg")
			return read("xyb.jpg")
		}, colourtest.XYBProfile(), func() {
			decoded, err := jpeg.Decode(bytes.NewReader(read("xyb.jpg")))
			if err != nil {
				t.Fatal(err)
			}
			var dec bytes.Buffer
			png.Encode(&dec, decoded)
			write("xyb-pixels.png", dec.Bytes())
			run("xyb-pixels.png", "-profile", "xyb.icc", "in.png")
			run("in.png", "-profile", colourtest.SRGB, "ref.png")
			// Little CMS evaluating the profile for every pixel (-c 0): its
			// default, a precalculated 8-bit grid, is itself 44.1 dB
			// from that on this steep CLUT (the cube roots of XYB), its
			// high-resolution grid 48.2 dB.
			run("xyb-pixels.png", "-profile", "xyb.icc", "-compress", "none", "xyb.tif")
			colourtest.Run(t, dir, "tificc", "-c", "0", "xyb.tif", "ref.tif")
		}},
		{"CMYK JPEG with FOGRA39 embedded", func() []byte { return read("cmyk.jpg") }, nil,
			func() { run("cmyk.jpg", "-profile", colourtest.SRGB, "ref.png") }},
		{"CMYK JPEG without a profile", func() []byte { return read("cmyk-plain.jpg") }, nil,
			func() { run("cmyk-plain.jpg", "-profile", "fogra39.icc", "-profile", colourtest.SRGB, "ref.png") }},
		{"CMYK JPEG without APP14 or a profile", func() []byte { return read("cmyk-noapp14.jpg") }, nil,
			func() { run("cmyk-noapp14.jpg", "-profile", "fogra39.icc", "-profile", colourtest.SRGB, "ref.png") }},
	}
	lib, _ := openLibrary(t)
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, "ref.tif"))
			p, err := Prepare(ctx, c.upload(), imaging.Limits{MaxPixels: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if p.ProfileErr != nil {
				t.Fatalf("the profile was dropped: %v", p.ProfileErr)
			}
			im, _, err := lib.Save(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			// The stored original keeps the profile byte for byte, or
			// is tagged sRGB.
			r, err := lib.Open(ctx, im.ID, 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			kept, err := imaging.Profile(imaging.PNG, stored)
			switch {
			case c.profile == nil && (err == nil || !bytes.Contains(stored[:64], []byte("sRGB"))):
				t.Errorf("stored without a profile should be tagged sRGB: %v", err)
			case c.profile != nil && (err != nil || !bytes.Equal(kept.Data, c.profile)):
				t.Errorf("the stored iCCP is not the uploaded profile: %v", err)
			}
			info, err := lib.Info(ctx, im.ID)
			if err != nil || info.Colour == nil || info.Colour.Embedded != (c.profile != nil) {
				t.Errorf("info's colour: %+v, %v", info.Colour, err)
			}

			out, err := lib.Derive(ctx, im.ID, imaging.Params{FlipH: true})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(out[:64], []byte("sRGB")) {
				t.Error("the derived image is not tagged sRGB")
			}
			got, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			got = mirror(got)
			c.ref()
			refs := map[string]func([]byte) (image.Image, error){"ref.png": decodePNG, "ref.tif": decodeTIFF}
			for name, decode := range refs {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if os.IsNotExist(err) {
					continue
				}
				want, err := decode(data)
				if err != nil {
					t.Fatal(err)
				}
				psnr, worst := colourtest.PSNR(got, want)
				t.Logf("%s: PSNR %.1f dB, largest difference %d", name, psnr, worst)
				if psnr < 45 {
					t.Errorf("against %s: PSNR %.1f dB < 45 (largest difference %d)", name, psnr, worst)
				}
			}
		})
	}
}

func decodePNG(b []byte) (image.Image, error)  { return png.Decode(bytes.NewReader(b)) }
func decodeTIFF(b []byte) (image.Image, error) { return tiff.Decode(bytes.NewReader(b)) }

// mirror flips m left to right.
func mirror(m image.Image) image.Image {
	b := m.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(b.Dx()-1-x, y, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// withoutAPP14 removes a JPEG's Adobe APP14 segment, and with it the
// YCCK transform its samples were in: they become the CMYK samples of a
// JPEG that never had one, whatever colours they make.
func withoutAPP14(t *testing.T, j []byte) []byte {
	out := append([]byte{}, j[:2]...)
	for i := 2; i+4 <= len(j); {
		if j[i+1] == 0xda { // start of scan: the rest as it is
			return append(out, j[i:]...)
		}
		n := int(j[i+2])<<8 | int(j[i+3])
		if j[i+1] != 0xee {
			out = append(out, j[i:i+2+n]...)
		}
		i += 2 + n
	}
	t.Fatal("no start of scan")
	return nil
}
