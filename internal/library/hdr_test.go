package library

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/colour/colourtest"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/pngenc"
)

// TestHDRKeptAndToneMapped: a BT.2100 PQ AVIF (avifenc --cicp 9/16/0,
// lossless at 10 bits, of a grey ramp of PQ codes) is stored as a 16-bit
// PNG with cICP 9/16/0/1 and its codes; /info and the upload say HDR, PQ;
// and a derived image is SDR sRGB: black stays black, the ramp rises,
// 100 cd/m² lands near BT.2408's 58% of SDR white, and light past the
// content's peak is white. The expected values follow ST 2084 and BT.2390
// as published, computed here on their own.
func TestHDRKeptAndToneMapped(t *testing.T) {
	for _, c := range []struct {
		transfer string
		code     byte
		nits     func(e float64) float64 // a grey code's display light
	}{
		{"pq", 16, pqNits},
		{"hlg", 18, hlgNits},
	} {
		t.Run(c.transfer, func(t *testing.T) { testHDR(t, c.transfer, c.code, c.nits) })
	}
}

func testHDR(t *testing.T, transfer string, code byte, nits func(float64) float64) {
	colourtest.Need(t, []string{"avifenc"})
	dir := t.TempDir()
	const w, h = 64, 8
	ramp := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint16(x * 65535 / (w - 1))
			i := ramp.PixOffset(x, y)
			for c := range 3 {
				binary.BigEndian.PutUint16(ramp.Pix[i+2*c:], v)
			}
			binary.BigEndian.PutUint16(ramp.Pix[i+6:], 0xffff)
		}
	}
	var buf bytes.Buffer
	if err := (&pngenc.Encoder{}).Encode(&buf, ramp); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ramp.png"), buf.Bytes(), 0o644)
	colourtest.Run(t, dir, "avifenc", "-l", "-d", "10", "--cicp", fmt.Sprintf("9/%d/0", code), "--ignore-icc", "ramp.png", "pq.avif")
	data, _ := os.ReadFile(filepath.Join(dir, "pq.avif"))

	lib, _ := openLibrary(t)
	im := stored(t, lib, data)
	if im.Colour == nil || im.Colour.HDR != transfer {
		t.Fatalf("upload's colour %+v, want HDR %s", im.Colour, transfer)
	}
	info, err := lib.Info(t.Context(), im.ID)
	if err != nil || *info.Colour != *im.Colour {
		t.Errorf("Info's colour %+v (%v), the upload's %+v", info.Colour, err, im.Colour)
	}
	// The stored original: 16 bits, cICP, the ramp's codes.
	orig := storedOriginal(t, lib, im.ID)
	if i := bytes.Index(orig.Bytes(), []byte("cICP")); i < 0 || !bytes.Equal(orig.Bytes()[i+4:i+8], []byte{9, code, 0, 1}) || orig.Bytes()[24] != 16 {
		t.Fatalf("the stored original has no cICP 9/%d/0/1 at 16 bits", code)
	}
	// Kept HDR (hdr=keep), even when 8 bits are asked for: 16 bits, the
	// source's cICP, its codes as they were.
	for _, depth8 := range []bool{false, true} {
		kept, err := lib.Derive(t.Context(), im.ID, imaging.Params{W: w, FlipH: true, KeepHDR: true, Depth8: depth8})
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(kept, []byte("cICP"))
		if kept[24] != 16 || i < 0 || !bytes.Equal(kept[i+4:i+8], []byte{9, code, 0, 1}) || bytes.Contains(kept[:200], []byte("sRGB")) {
			t.Errorf("hdr=keep (depth8 %v): depth %d, cICP at %d; want 16 bits with cICP 9/%d/0/1 and no sRGB", depth8, kept[24], i, code)
		}
		km, err := png.Decode(bytes.NewReader(kept))
		if err != nil {
			t.Fatal(err)
		}
		for x := range w {
			r, _, _, _ := km.At(w-1-x, h/2).RGBA()
			want := float64(x) / (w - 1) * 65535
			if d := math.Abs(float64(r) - want); d > 65535.0/1023 {
				t.Errorf("hdr=keep: column %d is %d, the source's code %.0f", x, r, want)
				break
			}
		}
	}
	// Derived images, full size (mirrored): at 16 bits, as 16-bit sources
	// give, and at 8.
	for _, depth8 := range []bool{false, true} {
		out, err := lib.Derive(t.Context(), im.ID, imaging.Params{W: w, FlipH: true, Depth8: depth8})
		if err != nil {
			t.Fatal(err)
		}
		if wantDepth := map[bool]byte{false: 16, true: 8}[depth8]; out[24] != wantDepth {
			t.Errorf("depth %d, want %d", out[24], wantDepth)
		}
		if bytes.Contains(out[:200], []byte("cICP")) || !bytes.Contains(out[:200], []byte("sRGB")) {
			t.Errorf("the derived image is not tagged sRGB only")
		}
		m, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		got := func(x int) float64 { // the ramp's column x, mirrored back
			r, _, _, _ := m.At(w-1-x, h/2).RGBA()
			return float64(r) / 65535 * 255
		}
		prev := -1.0
		for x := range w {
			e := float64(x) / (w - 1)
			want := 255 * srgbOf(toneMapped(pqCode(nits(e))))
			if d := math.Abs(got(x) - want); d > 3 {
				t.Errorf("depth8 %v: code %.3f (%.0f cd/m²): %.1f, want %.1f", depth8, e, nits(e), got(x), want)
			}
			if got(x) < prev-0.01 {
				t.Errorf("depth8 %v: the ramp falls at column %d", depth8, x)
			}
			prev = got(x)
		}
		if got(0) > 0.01 || got(w-1) < 250 {
			t.Errorf("depth8 %v: black %v and the top code %v; want 0 and 255", depth8, got(0), got(w-1))
		}
	}
}

// hlgNits is HLG's display light on a 1,000 cd/m² display: the inverse
// OETF (BT.2100), then system gamma 1.2 per channel.
func hlgNits(e float64) float64 {
	const a, b, c = 0.17883277, 0.28466892, 0.55991073
	s := e * e / 3
	if e > 0.5 {
		s = (math.Exp((e-c)/a) + b) / 12
	}
	return 1000 * math.Pow(s, 1.2)
}

// pqNits is ST 2084's EOTF.
func pqNits(e float64) float64 {
	const m1, m2 = 0.1593017578125, 78.84375
	const c1, c2, c3 = 0.8359375, 18.8515625, 18.6875
	p := math.Pow(e, 1/m2)
	return 10000 * math.Pow(math.Max(p-c1, 0)/(c2-c3*p), 1/m1)
}

// pqCode is ST 2084's inverse EOTF.
func pqCode(l float64) float64 {
	const m1, m2 = 0.1593017578125, 78.84375
	const c1, c2, c3 = 0.8359375, 18.8515625, 18.6875
	y := math.Pow(l/10000, m1)
	return math.Pow((c1+c2*y)/(1+c3*y), m2)
}

// toneMapped is a grey PQ code's SDR linear light (1.0 = 203 cd/m²) after
// BT.2390's EETF from a 1,000 cd/m² source to a 203 cd/m² target.
func toneMapped(e float64) float64 {
	lw, lt := pqCode(1000), pqCode(203)
	e1, maxLum := e/lw, lt/lw
	ks := 1.5*maxLum - 0.5
	if e1 >= ks {
		t := (e1 - ks) / (1 - ks)
		e1 = (2*t*t*t-3*t*t+1)*ks + (t*t*t-2*t*t+t)*(1-ks) + (-2*t*t*t+3*t*t)*maxLum
	}
	return pqNits(math.Min(e1, maxLum)*lw) / 203
}

func srgbOf(v float64) float64 {
	v = math.Min(math.Max(v, 0), 1)
	if v <= 0.0031308 {
		return 12.92 * v
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

// TestHDRMasteringKept: an HDR PNG's mDCV (the mastering display) and cLLI
// (the content's light) are kept in the stored original, byte for byte, as
// its cICP is.
func TestHDRMasteringKept(t *testing.T) {
	src := image.NewNRGBA64(image.Rect(0, 0, 16, 4))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	for i := 6; i < len(src.Pix); i += 8 {
		src.Pix[i], src.Pix[i+1] = 0xff, 0xff
	}
	meta := pngenc.Meta{
		CICP: &[4]uint8{9, 16, 0, 1},
		Mastering: &pngenc.Mastering{ // BT.2020 primaries, D65, 1,000 and 0.005 cd/m²
			Primaries: [3][2]uint16{{35400, 14600}, {8500, 39850}, {6550, 2300}},
			White:     [2]uint16{15635, 16450}, MaxLuminance: 10_000_000, MinLuminance: 50,
		},
		ContentLight: &[2]uint32{6_000_000, 0},
	}
	var buf bytes.Buffer
	if err := (&pngenc.Encoder{}).EncodeMeta(&buf, src, meta); err != nil {
		t.Fatal(err)
	}
	chunk := func(b []byte, typ string) []byte {
		for i := 8; i+12 <= len(b); {
			n := int(binary.BigEndian.Uint32(b[i:]))
			if string(b[i+4:i+8]) == typ {
				return b[i+8 : i+8+n]
			}
			i += 12 + n
		}
		return nil
	}
	lib, _ := openLibrary(t)
	im := stored(t, lib, buf.Bytes())
	orig := storedOriginal(t, lib, im.ID)
	for _, typ := range []string{"cICP", "mDCV", "cLLI"} {
		if got, want := chunk(orig.Bytes(), typ), chunk(buf.Bytes(), typ); got == nil || !bytes.Equal(got, want) {
			t.Errorf("the stored original's %s is % x, the upload's % x", typ, got, want)
		}
	}
	kept, err := lib.Derive(t.Context(), im.ID, imaging.Params{W: 8, KeepHDR: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := chunk(kept, "mDCV"), chunk(buf.Bytes(), "mDCV"); !bytes.Equal(got, want) {
		t.Errorf("hdr=keep's mDCV is % x, the upload's % x", got, want)
	}
}

// TestMasteringOrder: HEIF's mdcv lists its primaries as HEVC's SEI
// recommends (green, blue, red), PNG's mDCV as red, green, blue; either way
// pngd tells them apart by their chromaticities.
func TestMasteringOrder(t *testing.T) {
	p3 := [3][2]uint16{{34000, 16000}, {13250, 34500}, {7500, 3000}} // R, G, B
	body := func(order ...int) []byte {
		var b []byte
		for _, i := range order {
			b = binary.BigEndian.AppendUint16(b, p3[i][0])
			b = binary.BigEndian.AppendUint16(b, p3[i][1])
		}
		b = binary.BigEndian.AppendUint16(b, 15635)
		b = binary.BigEndian.AppendUint16(b, 16450)
		b = binary.BigEndian.AppendUint32(b, 10_000_000)
		return binary.BigEndian.AppendUint32(b, 1)
	}
	for _, order := range [][]int{{1, 2, 0}, {0, 1, 2}, {2, 0, 1}} {
		m := colour.MasteringFromST2086(body(order...))
		if m == nil || m.Primaries != p3 || m.White != [2]uint16{15635, 16450} || m.MaxLuminance != 10_000_000 || m.MinLuminance != 1 {
			t.Errorf("order %v: %+v, want primaries %v", order, m, p3)
		}
	}
	if colour.MasteringFromST2086(body(0, 1)) != nil {
		t.Error("a short mdcv was read")
	}
}

// storedOriginal is the stored PNG of image id.
func storedOriginal(t *testing.T, lib *Library, id string) *bytes.Buffer {
	t.Helper()
	r, err := lib.Open(t.Context(), id, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var orig bytes.Buffer
	if _, err := orig.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	return &orig
}
