package imaging

import (
	"encoding/binary"
	"hash/crc32"
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
