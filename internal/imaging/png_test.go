package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
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
