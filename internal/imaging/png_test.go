package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"math"
	"slices"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// TestDamagedAncillaryChunks: a CRC error in an ancillary chunk drops the
// chunk, as libpng does, and the picture decodes; one in a critical chunk
// refuses the file. A damaged iCCP means no profile.
func TestDamagedAncillaryChunks(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 7, 5))
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 13)
	}
	var buf bytes.Buffer
	png.Encode(&buf, m)
	plain := buf.Bytes()
	chunk := func(typ string, data []byte, damaged bool) []byte {
		c := pngChunkFor(typ, data)
		if damaged {
			c[len(c)-1] ^= 0xFF
		}
		return c
	}
	// Chunks after IHDR (33 bytes), before IDAT.
	with := func(chunks ...[]byte) []byte {
		out := append([]byte{}, plain[:33]...)
		for _, c := range chunks {
			out = append(out, c...)
		}
		return append(out, plain[33:]...)
	}
	var z bytes.Buffer
	z.WriteString("P3\x00\x00")
	zw := zlib.NewWriter(&z)
	zw.Write(colourtest.DisplayP3())
	zw.Close()
	iccp := z.Bytes()
	idatAt := bytes.Index(plain, []byte("IDAT")) - 4
	badIDAT := bytes.Clone(plain)
	badIDAT[idatAt+8] ^= 0xFF // a data byte: the CRC no longer matches

	for _, c := range []struct {
		name    string
		data    []byte
		dropped []string
		profile bool
		corrupt bool
	}{
		{"a damaged tEXt and cLLI", with(chunk("tEXt", []byte("a\x00b"), true), chunk("cLLI", make([]byte, 8), true)), []string{"tEXt", "cLLI"}, false, false},
		{"a damaged iCCP", with(chunk("iCCP", iccp, true)), []string{"iCCP"}, false, false},
		{"a sound iCCP", with(chunk("iCCP", iccp, false)), nil, true, false},
		{"a damaged IDAT", badIDAT, nil, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := Decode(c.data, Limits{MaxPixels: 1 << 20})
			var corrupt *CorruptError
			if c.corrupt {
				if !errors.As(err, &corrupt) {
					t.Fatalf("Decode: %v, want a CorruptError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Dropped, c.dropped) {
				t.Errorf("dropped %v, want %v", d.Dropped, c.dropped)
			}
			if (d.Profile != nil) != c.profile {
				t.Errorf("profile kept: %v, want %v", d.Profile != nil, c.profile)
			}
			if q, _ := colourtest.PSNR(d.Image, m); q < 99 {
				t.Errorf("pixels differ: %.1f dB", q)
			}
		})
	}
}

func pngChunkFor(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// TestPNGGamma: PNGs whose samples were encoded with gamma g and say so in
// gAMA (PngSuite's g* files, made here the same way from a colour chart)
// all convert to the same sRGB picture; a gAMA of 1/2.2 is taken as sRGB.
func TestPNGGamma(t *testing.T) {
	chart := colourtest.Chart(96, 64)
	toLinear := func(v uint8) float64 {
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	for _, g := range []float64{0.35, 0.45, 0.55, 0.70, 1.00, 2.50} {
		t.Run(fmt.Sprintf("gamma %.2f", g), func(t *testing.T) {
			m := image.NewNRGBA(chart.Rect)
			for i, v := range chart.Pix {
				if i%4 == 3 {
					m.Pix[i] = 255
					continue
				}
				m.Pix[i] = uint8(math.Round(255 * math.Pow(toLinear(v), g)))
			}
			var buf bytes.Buffer
			png.Encode(&buf, m)
			p := buf.Bytes()
			data := append(append(append([]byte{}, p[:33]...), pngChunkFor("gAMA", binary.BigEndian.AppendUint32(nil, uint32(math.Round(g*100000))))...), p[33:]...)
			d, err := Decode(data, Limits{MaxPixels: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if g == 0.45 {
				if d.Profile != nil {
					t.Errorf("gAMA 0.45 (1/2.2) made a profile: %s", d.Profile.Description)
				}
				return
			}
			if d.Profile == nil {
				t.Fatalf("no profile from gAMA %.2f (%v)", g, d.ProfileErr)
			}
			tr, err := d.Profile.ToSRGB()
			if err != nil {
				t.Fatal(err)
			}
			rgba := ToRGBA(Normalize(d.Image))
			tr.ApplyRGBA(rgba)
			// The exact decoding of the 8-bit samples: what any
			// converter can at best give (at 2.5, 8 bits keep little of
			// the shadows).
			ideal := image.NewNRGBA(chart.Rect)
			for i, v := range m.Pix {
				ideal.Pix[i] = v
				if i%4 != 3 {
					ideal.Pix[i] = uint8(math.Round(255 * srgbEncode(math.Pow(float64(v)/255, 1/g))))
				}
			}
			q, maxDiff := colourtest.PSNR(rgba, ideal)
			qChart, _ := colourtest.PSNR(rgba, chart)
			t.Logf("gamma %.2f: %.1f dB from the exact decoding (largest difference %d), %.1f dB from the chart", g, q, maxDiff, qChart)
			if q < 45 {
				t.Errorf("gamma %.2f: %.1f dB < 45 from the exact decoding", g, q)
			}
		})
	}
}

func srgbEncode(v float64) float64 {
	if v <= 0.0031308 {
		return 12.92 * v
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}
