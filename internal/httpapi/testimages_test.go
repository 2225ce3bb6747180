package httpapi

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/HugoSmits86/nativewebp"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// Quadrant colours of the test card: far apart, so that JPEG keeps them
// distinguishable.
var (
	red    = color.NRGBA{220, 20, 20, 255}
	blue   = color.NRGBA{20, 20, 220, 255}
	green  = color.NRGBA{20, 200, 20, 255}
	yellow = color.NRGBA{230, 230, 20, 255}
)

// testCard is a w×h image whose quadrants are red, blue (top), green and
// yellow (bottom), so that any rotation or mirroring shows.
func testCard(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = blue
			case x < w/2 && y >= h/2:
				c = green
			case x >= w/2 && y >= h/2:
				c = yellow
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// encodeAs encodes img in one of the six upload formats.
func encodeAs(t testing.TB, format string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	case "gif":
		p := image.NewPaletted(img.Bounds(), palette.Plan9)
		draw.Draw(p, p.Rect, img, img.Bounds().Min, draw.Src)
		err = gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{p, p}, Delay: []int{10, 10}}) // two frames; the first is stored
	case "webp":
		err = nativewebp.Encode(&buf, img, nil)
	case "bmp":
		err = bmp.Encode(&buf, img)
	case "tiff":
		err = tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate})
	default:
		t.Fatalf("no encoder for %s", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withOrientation inserts an EXIF APP1 segment with the given Orientation
// right after a JPEG's SOI marker.
func withOrientation(jpg []byte, orientation uint16) []byte {
	tiffBlock := []byte("MM\x00\x2a\x00\x00\x00\x08") // big-endian, IFD0 at 8
	tiffBlock = binary.BigEndian.AppendUint16(tiffBlock, 1)
	tiffBlock = binary.BigEndian.AppendUint16(tiffBlock, 0x0112) // Orientation
	tiffBlock = binary.BigEndian.AppendUint16(tiffBlock, 3)      // SHORT
	tiffBlock = binary.BigEndian.AppendUint32(tiffBlock, 1)
	tiffBlock = binary.BigEndian.AppendUint16(tiffBlock, orientation)
	tiffBlock = append(tiffBlock, 0, 0, 0, 0, 0, 0) // padding, next IFD = 0
	payload := append([]byte("Exif\x00\x00"), tiffBlock...)
	seg := []byte{0xff, 0xe1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// pngClaiming is a small PNG whose header claims w×h pixels: a pixel flood.
func pngClaiming(w, h uint32) []byte {
	out := []byte("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
		body := append([]byte(typ), data...)
		out = append(out, body...)
		out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return out
}

// gifClaiming is a GIF whose logical screen and only frame claim w×h.
func gifClaiming(w, h uint16) []byte {
	out := []byte("GIF89a")
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	out = append(out, 0x80, 0, 0, 0, 0, 0, 255, 255, 255) // 2-colour table
	out = append(out, 0x2c, 0, 0, 0, 0)
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	out = append(out, 0, 2, 2, 0x4c, 0x01, 0, 0x3b)
	return out
}

// near reports whether two colours differ by at most tol in each channel.
func near(a, b color.Color, tol int) bool {
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	d := func(x, y uint32) bool { return abs(int(x>>8)-int(y>>8)) <= tol }
	return d(ar, br) && d(ag, bg) && d(ab, bb) && d(aa, ba)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
