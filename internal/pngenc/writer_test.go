package pngenc

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"testing"
)

// images makes one image of each type Encode has a path for, w×h, with
// content that exercises the colour-type choice: noisy, grey, few colours,
// translucent.
func images(w, h int, seed uint64) map[string]image.Image {
	r := rand.New(rand.NewPCG(seed, 7))
	rect := image.Rect(3, 2, 3+w, 2+h) // not at the origin
	nrgba := image.NewNRGBA(rect)
	rgba := image.NewRGBA(rect)
	gray := image.NewGray(rect)
	gray16 := image.NewGray16(rect)
	n64 := image.NewNRGBA64(rect)
	r64 := image.NewRGBA64(rect)
	few := image.NewNRGBA(rect)
	opaqueGray := image.NewNRGBA(rect)
	cmyk := image.NewCMYK(rect)
	pal := image.NewPaletted(rect, color.Palette{color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 128}, color.NRGBA{0, 0, 0, 0}})
	ycc := image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
	// flat: large areas of one colour with a few specks, more than 256
	// colours in all; its strips are deflated with LZ77 and a dictionary
	flat := image.NewNRGBA(rect)
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			v := uint8(r.IntN(256))
			nrgba.SetNRGBA(x, y, color.NRGBA{v, uint8(x), uint8(y), uint8(r.IntN(256))})
			rgba.SetRGBA(x, y, color.RGBA{v / 2, v / 3, v / 4, v})
			gray.SetGray(x, y, color.Gray{v})
			gray16.SetGray16(x, y, color.Gray16{uint16(r.IntN(65536))})
			n64.SetNRGBA64(x, y, color.NRGBA64{uint16(r.IntN(65536)), 7, uint16(x * 300), 0xffff})
			a := uint16(r.IntN(65536))
			r64.SetRGBA64(x, y, color.RGBA64{a / 2, a / 3, a, a})
			few.SetNRGBA(x, y, color.NRGBA{uint8(x % 5 * 40), uint8(y % 7 * 30), 9, uint8(255 - x%3)})
			opaqueGray.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
			cmyk.SetCMYK(x, y, color.CMYK{v, uint8(x), uint8(y), 30})
			pal.SetColorIndex(x, y, uint8(r.IntN(3)))
			c := color.NRGBA{uint8(x / 16 * 7), uint8(y / 16 * 5), 200, 255}
			if r.IntN(400) == 0 {
				c.B = uint8(r.IntN(256))
			}
			flat.SetNRGBA(x, y, c)
		}
	}
	for i := range ycc.Y {
		ycc.Y[i] = uint8(r.IntN(256))
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
	}
	return map[string]image.Image{
		"NRGBA": nrgba, "RGBA": rgba, "Gray": gray, "Gray16": gray16, "NRGBA64": n64, "RGBA64": r64,
		"few colours": few, "opaque grey NRGBA": opaqueGray, "CMYK": cmyk, "Paletted": pal, "YCbCr": ycc, "flat": flat,
	}
}

// sameImage compares every pixel of b (decoded, at the origin) with a,
// through non-premultiplied colour at a's depth (8 or 16 bits a channel):
// what a PNG of a holds, as image/png's own encoder converts it.
func sameImage(a, b image.Image) error {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		return fmt.Errorf("size %v, want %v", bb.Size(), ab.Size())
	}
	model := color.NRGBAModel
	switch a.(type) {
	case *image.Gray16, *image.NRGBA64, *image.RGBA64:
		model = color.NRGBA64Model
	}
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			want := model.Convert(a.At(ab.Min.X+x, ab.Min.Y+y))
			got := model.Convert(b.At(bb.Min.X+x, bb.Min.Y+y))
			if n, ok := b.(*image.NRGBA64); ok && model == color.NRGBAModel {
				// an 8-bit image written at 16 bits: narrow it exactly,
				// not through premultiplied colour
				c := n.NRGBA64At(bb.Min.X+x, bb.Min.Y+y)
				got = color.NRGBA{uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8), uint8(c.A >> 8)}
			}
			if _, _, _, wa := want.RGBA(); wa == 0 {
				if _, _, _, ga := got.RGBA(); ga == 0 {
					continue // transparent: its colour is not kept
				}
			}
			if got != want {
				return fmt.Errorf("pixel (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
	return nil
}

// TestRoundTrip: image/png decodes every type, at sizes from 1×1 to
// strip boundaries ± 1 (for each type's row length), in both modes, to
// exactly the input's pixels.
func TestRoundTrip(t *testing.T) {
	for _, mode := range []Mode{Fast, Stored} {
		for name, probe := range images(300, 1, 9) {
			rows := stripBytes / (analyze(probe, 1, false).rowBytes(300) + 1)
			sizes := [][2]int{{1, 1}, {1, 7}, {7, 1}, {33, 17}, {300, rows - 1}, {300, rows}, {300, rows + 1}, {300, 2*rows + 1}}
			for _, sz := range sizes {
				m := images(sz[0], sz[1], uint64(sz[0]*sz[1]))[name]
				var buf bytes.Buffer
				if err := (&Encoder{Mode: mode}).Encode(&buf, m); err != nil {
					t.Fatalf("%s %v: %v", name, sz, err)
				}
				got, err := png.Decode(&buf)
				if err != nil {
					t.Fatalf("%s %v mode %d: image/png cannot decode it: %v", name, sz, mode, err)
				}
				if err := sameImage(m, got); err != nil {
					t.Fatalf("%s %v mode %d: %v", name, sz, mode, err)
				}
			}
		}
	}
}

// TestDeterministic: the bytes depend on the pixels and the mode only,
// never on how many strips are deflated at once.
func TestDeterministic(t *testing.T) {
	m := images(700, 900, 1)["NRGBA"] // 2.5 MB of rows: ten strips
	var want []byte
	for _, workers := range []int{1, 2, 8} {
		var buf bytes.Buffer
		if err := (&Encoder{Workers: workers}).Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = buf.Bytes()
			continue
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("Workers %d wrote other bytes than Workers 1", workers)
		}
	}
}

// TestColourTypes: the smallest lossless colour type is chosen.
func TestColourTypes(t *testing.T) {
	ims := images(40, 30, 3)
	for name, want := range map[string]uint8{
		"opaque grey NRGBA": ctGray, "Gray": ctGray, "few colours": ctPaletted, "Paletted": ctPaletted,
		"NRGBA": ctRGBA, "CMYK": ctRGB, "YCbCr": ctRGB, "Gray16": ctGray, "NRGBA64": ctRGB, "RGBA64": ctRGBA,
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, ims[name]); err != nil {
			t.Fatal(err)
		}
		if got := buf.Bytes()[25]; got != want {
			t.Errorf("%s: colour type %d, want %d", name, got, want)
		}
	}
}

// TestOpaqueAtEveryWidth: an opaque image of many colours is RGB, and one
// translucent pixel anywhere makes it RGBA, at every width up to 9 (the
// opacity scan reads two pixels at a time and an odd one last), from NRGBA
// and from RGBA.
func TestOpaqueAtEveryWidth(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for w := 1; w <= 9; w++ {
		m := image.NewNRGBA(image.Rect(0, 0, w, 300))
		for i := range m.Pix {
			m.Pix[i] = uint8(r.IntN(256))
			if i%4 == 3 {
				m.Pix[i] = 0xff
			}
		}
		for _, x := range []int{-1, 0, w - 1, w / 2} {
			c := image.NewNRGBA(m.Rect)
			copy(c.Pix, m.Pix)
			want := byte(ctRGB)
			if x >= 0 {
				c.Pix[c.PixOffset(x, 299)+3] = 0x80
				want = ctRGBA
			}
			p := image.NewRGBA(m.Rect)
			draw.Draw(p, p.Rect, c, image.Point{}, draw.Src)
			for name, im := range map[string]image.Image{"NRGBA": c, "RGBA": p} {
				var buf bytes.Buffer
				if err := Encode(&buf, im); err != nil {
					t.Fatal(err)
				}
				if got := buf.Bytes()[25]; got != want {
					t.Errorf("%s %d wide, translucent at x %d: colour type %d, want %d", name, w, x, got, want)
				}
				got, err := png.Decode(&buf)
				if err != nil {
					t.Fatal(err)
				}
				if err := sameImage(im, got); err != nil {
					t.Errorf("%s %d wide: %v", name, w, err)
				}
			}
		}
	}
}

func FuzzEncode(f *testing.F) {
	f.Add(uint16(3), uint16(5), uint64(1), uint8(0))
	f.Add(uint16(1), uint16(1), uint64(2), uint8(3))
	f.Fuzz(func(t *testing.T, w, h uint16, seed uint64, kind uint8) {
		w, h = w%100+1, h%100+1
		all := images(int(w), int(h), seed)
		names := []string{"NRGBA", "RGBA", "Gray", "Gray16", "NRGBA64", "RGBA64", "few colours", "opaque grey NRGBA", "CMYK", "Paletted", "YCbCr", "flat"}
		m := all[names[int(kind)%len(names)]]
		var buf bytes.Buffer
		if err := Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("does not decode: %v", err)
		}
		if err := sameImage(m, got); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLinesIndependentOfStart: the filtered line of a row is the same
// whichever row filtering starts at. A strip's deflate dictionary is made
// by filtering the rows before it again, so it must be; a dictionary that
// differs from what the decoder has seen corrupts the stream (pngcheck
// and ImageMagick caught one on a 12 MP wallpaper).
func TestLinesIndependentOfStart(t *testing.T) {
	for _, name := range []string{"flat", "NRGBA", "Gray16", "few colours"} {
		m := images(61, 40, 8)[name]
		f := analyze(m, 1, false)
		rowLen := f.rowBytes(61)
		for _, mode := range []Mode{Fast, Stored} {
			var all [][]byte
			filteredLines(f, m.Bounds(), rowLen, 0, 40, mode, func(l []byte) { all = append(all, bytes.Clone(l)) })
			for y0 := 1; y0 < 40; y0++ {
				i := y0
				filteredLines(f, m.Bounds(), rowLen, y0, 40, mode, func(l []byte) {
					if !bytes.Equal(l, all[i]) {
						t.Fatalf("%s mode %d: row %d filtered from row %d differs from the whole image's", name, mode, i, y0)
					}
					i++
				})
			}
		}
	}
}
