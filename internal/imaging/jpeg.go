package imaging

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pngd/pngd/internal/colour"
)

// iccMarker starts an APP2 segment that carries a part of an ICC profile
// (ICC.1, annex B.4): the marker, a sequence number from 1, and the count.
var iccMarker = []byte("ICC_PROFILE\x00")

// jpegICC assembles the ICC profile from a JPEG's APP2 segments, which may
// split it in up to 255 parts, in their sequence numbers' order. It reads
// every frame type (SOF0 to SOF15): a profile in a JPEG of extended
// sequential (SOF1) or arithmetic coding is read like any other, as
// jpegli's XYB JPEGs need. The errors are ErrNoProfile and the damage it
// finds (parts missing, repeated, or numbered past their count).
func jpegICC(data []byte) ([]byte, error) {
	parts := map[int][]byte{}
	count := 0
	var damage error
	err := walkJPEG(data, func(m byte, seg []byte) {
		if m != 0xE2 || !bytes.HasPrefix(seg, iccMarker) || len(seg) < 14 || damage != nil {
			return
		}
		seq, total := int(seg[12]), int(seg[13])
		switch {
		case total == 0 || seq == 0 || seq > total, count != 0 && total != count:
			damage = fmt.Errorf("ICC profile part %d of %d", seq, total)
		case parts[seq] != nil:
			damage = fmt.Errorf("ICC profile part %d twice", seq)
		}
		count, parts[seq] = total, seg[14:]
	})
	if err = cmp.Or(damage, err); err != nil {
		return nil, err
	}
	if count == 0 {
		return nil, ErrNoProfile
	}
	var p []byte
	for seq := 1; seq <= count; seq++ {
		part, ok := parts[seq]
		if !ok {
			return nil, fmt.Errorf("ICC profile part %d of %d is missing", seq, count)
		}
		if len(p)+len(part) > colour.MaxProfileBytes {
			return nil, fmt.Errorf("an ICC profile of more than %d bytes", colour.MaxProfileBytes)
		}
		p = append(p, part...)
	}
	return p, nil
}

// walkJPEG calls f with each marker segment before the first scan: its
// marker and its payload.
func walkJPEG(data []byte, f func(marker byte, seg []byte)) error {
	for i := 2; i+4 <= len(data) && data[i] == 0xFF; {
		m := data[i+1]
		if m == 0xFF { // fill
			i++
			continue
		}
		if m == 0xDA || m == 0xD9 { // the first scan, or the end
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return errors.New("a JPEG marker segment runs past the end")
		}
		f(m, data[i+4:i+2+n])
		i += 2 + n
	}
	return nil
}

// scanEnd skips a scan's entropy-coded data from j: it returns the index
// of the 0xFF that begins the next marker, past stuffed bytes (0xFF00) and
// restart markers, and false when the data ends first.
func scanEnd(data []byte, j int) (int, bool) {
	for {
		k := bytes.IndexByte(data[j:], 0xFF)
		if k < 0 || j+k+1 >= len(data) {
			return len(data), false
		}
		j += k
		if next := data[j+1]; next == 0 || (next >= 0xD0 && next <= 0xD7) {
			j += 2
			continue
		}
		return j, true
	}
}

// markerSegment is the payload of the marker segment at data[i] (0xFF,
// the marker, a two-byte length that counts itself) and that length.
func markerSegment(data []byte, i int) (seg []byte, n int, err error) {
	if i+4 > len(data) {
		return nil, 0, errors.New("a marker segment runs past the end")
	}
	n = int(binary.BigEndian.Uint16(data[i+2:]))
	if n < 2 || i+2+n > len(data) {
		return nil, 0, errors.New("a marker segment runs past the end")
	}
	return data[i+4 : i+2+n], n, nil
}
