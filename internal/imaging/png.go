package imaging

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/pngd/pngd/internal/colour"
)

// PNG's ancillary chunks (a lower-case first letter: text, time, colour
// hints, HDR metadata) are not needed to show the picture, and libpng,
// ImageMagick and libvips take a CRC error in one as a warning: the chunk
// is dropped and the image decoded. image/png refuses the whole file.
// pngd does as the others do: a damaged ancillary chunk is dropped (and
// the upload's log names it), a damaged critical chunk (IHDR, PLTE, IDAT,
// IEND) still refuses the file.

// damagedAncillary walks data's chunks and returns the types of the
// ancillary ones whose CRC does not match, in order; it stops at the
// first chunk that runs past the end (the decoder refuses that).
func damagedAncillary(data []byte) []string {
	var bad []string
	walkPNG(data, func(typ string, chunk []byte, ok bool) {
		if !ok && typ[0]&0x20 != 0 {
			bad = append(bad, typ)
		}
	})
	return bad
}

// withoutDamagedAncillary returns data without its damaged ancillary
// chunks, and their types; data itself when there are none. The copy it
// may make is the one allocation: Header.DecodeBytes counts it.
func withoutDamagedAncillary(data []byte) ([]byte, []string) {
	bad := damagedAncillary(data)
	if len(bad) == 0 {
		return data, nil
	}
	out := make([]byte, 0, len(data))
	out = append(out, data[:8]...)
	end := 8
	walkPNG(data, func(typ string, chunk []byte, ok bool) {
		end += len(chunk)
		if ok || typ[0]&0x20 == 0 {
			out = append(out, chunk...)
		}
	})
	return append(out, data[end:]...), bad
}

// walkPNG calls f with each chunk after the signature: its type, its bytes
// (length, type, data and CRC) and whether its CRC matches.
func walkPNG(data []byte, f func(typ string, chunk []byte, ok bool)) {
	for i := 8; i+12 <= len(data); {
		n := int64(binary.BigEndian.Uint32(data[i:]))
		end := int64(i) + 12 + n
		if end > int64(len(data)) {
			return
		}
		typ := string(data[i+4 : i+8])
		want := binary.BigEndian.Uint32(data[end-4:])
		f(typ, data[i:end], crc32.ChecksumIEEE(data[i+4:end-4]) == want)
		if typ == "IEND" {
			return
		}
		i = int(end)
	}
}

// A PNG without iCCP or sRGB may still say what its numbers mean: gAMA
// gives the power its samples were encoded with, cHRM its primaries and
// white point (PNG §11.3.3.2 and 11.3.3.4). libpng, browsers and libvips
// honour them; pngd turns them into an equivalent matrix/TRC ICC profile
// of its own (as it does AVIF's nclx), which the stored original carries in
// iCCP and derived images are converted through. A gAMA of 1/2.2 with no
// cHRM, or with sRGB's, is what most PNG writers put beside sRGB pixels:
// it is taken as sRGB, as Chromium does.

// pngProfile is the ICC profile of a PNG: its iCCP, or one made from gAMA
// and cHRM; ErrNoProfile for sRGB.
func pngProfile(data []byte) ([]byte, error) {
	p, err := pngICC(data)
	if !errors.Is(err, ErrNoProfile) {
		return p, err
	}
	var gamma uint32
	var chrm *[8]uint32
	srgb := false
	walkPNG(data, func(typ string, chunk []byte, ok bool) {
		body := chunk[8 : len(chunk)-4]
		switch {
		case !ok:
		case typ == "sRGB":
			srgb = true
		case typ == "gAMA" && len(body) == 4:
			gamma = binary.BigEndian.Uint32(body)
		case typ == "cHRM" && len(body) == 32:
			var c [8]uint32
			for i := range c {
				c[i] = binary.BigEndian.Uint32(body[4*i:])
			}
			chrm = &c
		}
	})
	if srgb || gamma == 0 || gamma > 10_000_000 {
		return nil, ErrNoProfile
	}
	primaries, white := [3][2]float64{{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}}, colour.WhiteD65
	sRGBChroma := true
	if chrm != nil {
		v := func(i int) float64 { return float64(chrm[i]) / 100000 }
		white = [2]float64{v(0), v(1)}
		primaries = [3][2]float64{{v(2), v(3)}, {v(4), v(5)}, {v(6), v(7)}}
		for i, want := range []float64{0.3127, 0.3290, 0.64, 0.33, 0.30, 0.60, 0.15, 0.06} {
			if math.Abs(v(i)-want) > 0.0005 {
				sRGBChroma = false
			}
		}
		for _, xy := range append(primaries[:], white) {
			if xy[0] <= 0 || xy[1] <= 0 || xy[0]+xy[1] > 1 {
				return nil, errors.New("cHRM names no real colour")
			}
		}
	}
	g := float64(gamma) / 100000
	if sRGBChroma && math.Abs(g-1/2.2) < 0.005 {
		return nil, ErrNoProfile
	}
	desc := fmt.Sprintf("PNG gAMA %.5f", g)
	if chrm != nil && !sRGBChroma {
		desc += ", cHRM"
	}
	return colour.MatrixProfile(desc, primaries, white, func(v float64) float64 { return math.Pow(v, 1/g) }), nil
}
