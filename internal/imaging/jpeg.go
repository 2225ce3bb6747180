package imaging

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/gen2brain/jpegn"
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

// decodeJPEG decodes a JPEG of the layouts Header.simdJPEG names with
// github.com/gen2brain/jpegn (SIMD IDCT and colour planes, 2–3× image/jpeg
// on this machine), returning its native planes (*image.YCbCr,
// *image.Gray) as image/jpeg would. A file jpegn refuses is decoded by
// image/jpeg, and fallback says why jpegn refused it. Its output is held
// to image/jpeg's by FuzzJPEGAgainstStdlib.
func decodeJPEG(data []byte, ycc bool) (img image.Image, fallback string, err error) {
	if strict := strictJPEG(data); strict != nil {
		img, err := jpeg.Decode(bytes.NewReader(data))
		return img, "image/jpeg's rules: " + strict.Error(), err
	}
	// Y'CbCr comes out as RGBA, converted by jpegn's SIMD code (chroma
	// from the nearest sample, as image/jpeg's planes give it) rather than
	// by image/draw later; grey stays one byte a pixel.
	img, err = jpegn.Decode(bytes.NewReader(data), &jpegn.Options{ToRGBA: ycc, UpsampleMethod: jpegn.NearestNeighbor})
	if err == nil {
		return img, "", nil
	}
	fallback = "jpegn: " + err.Error()
	img, err = jpeg.Decode(bytes.NewReader(data))
	return img, fallback, err
}

// strictJPEG checks data's marker segments as image/jpeg does before it
// decodes, where jpegn is laxer (it takes MJPEG's default Huffman tables
// for a missing one, a scan header of the wrong length, a file cut off
// before its end): a file it refuses goes to image/jpeg, which decides, so
// that pngd accepts the JPEGs image/jpeg accepts and no others.
func strictJPEG(data []byte) error {
	type component struct{ id, tq byte }
	var comps []component
	var huff [2][4]bool // defined Huffman tables, by class (DC, AC) and id
	baseline, progressive := false, false
	for i := 2; ; {
		if i+2 > len(data) {
			return errors.New("no end marker")
		}
		if data[i] != 0xFF {
			return errors.New("expected a marker")
		}
		m := data[i+1]
		switch {
		case m == 0xFF:
			i++
			continue
		case m == 0xD9: // EOI
			if len(comps) == 0 {
				return errors.New("no frame header")
			}
			return nil
		case m >= 0xD0 && m <= 0xD7, m == 0x01:
			i += 2
			continue
		case m == 0xD8:
			return errors.New("a second start marker")
		}
		seg, n, err := markerSegment(data, i)
		if err != nil {
			return err
		}
		switch m {
		case 0xC0, 0xC1, 0xC2:
			if len(comps) > 0 || len(seg) < 6 || seg[0] != 8 {
				return errors.New("a second frame header, or not 8 bits")
			}
			nc := int(seg[5])
			if (nc != 1 && nc != 3) || len(seg) != 6+3*nc {
				return errors.New("a frame header of the wrong length")
			}
			for c := range nc {
				id, s, tq := seg[6+3*c], seg[7+3*c], seg[8+3*c]
				if s>>4 < 1 || s>>4 > 4 || s&15 < 1 || s&15 > 4 || tq > 3 {
					return errors.New("bad sampling or quantisation table")
				}
				for _, o := range comps {
					if o.id == id {
						return errors.New("a repeated component")
					}
				}
				comps = append(comps, component{id, tq})
			}
			baseline, progressive = m == 0xC0, m == 0xC2
		case 0xC4: // DHT
			for b := seg; len(b) > 0; {
				if len(b) < 17 {
					return errors.New("a short Huffman table")
				}
				tc, th := b[0]>>4, b[0]&15
				if tc > 1 || th > 3 || (baseline && th > 1) {
					return errors.New("a bad Huffman table class or id")
				}
				total := 0
				for _, c := range b[1:17] {
					total += int(c)
				}
				if total == 0 || total > 256 || len(b) < 17+total {
					return errors.New("a bad Huffman table length")
				}
				huff[tc][th] = true
				b = b[17+total:]
			}
		case 0xDB: // DQT
			for b := seg; len(b) > 0; {
				pq, tq := b[0]>>4, b[0]&15
				size := 1 + 64*(1+int(pq))
				if pq > 1 || tq > 3 || len(b) < size {
					return errors.New("a bad quantisation table")
				}
				b = b[size:]
			}
		case 0xDD: // DRI
			if len(seg) != 2 {
				return errors.New("a bad restart interval")
			}
		case 0xDA: // SOS
			if len(comps) == 0 || len(seg) < 1 {
				return errors.New("a scan before the frame header")
			}
			ns := int(seg[0])
			if ns < 1 || ns > len(comps) || len(seg) != 4+2*ns {
				return errors.New("a scan header of the wrong length")
			}
			seen := map[byte]bool{}
			for c := range ns {
				id, t := seg[1+2*c], seg[2+2*c]
				known := false
				for _, o := range comps {
					known = known || o.id == id
				}
				if !known || seen[id] {
					return errors.New("a bad scan component")
				}
				seen[id] = true
				td, ta := t>>4, t&15
				if td > 3 || ta > 3 || (baseline && (td > 1 || ta > 1)) {
					return errors.New("a bad Huffman table selector")
				}
				ss := seg[1+2*ns]
				dcOnly := progressive && ss == 0
				acOnly := progressive && ss > 0
				if (!acOnly && !huff[0][td]) || (!dcOnly && !huff[1][ta]) {
					return errors.New("a scan uses a Huffman table not defined")
				}
			}
			if progressive {
				ss, se, ah, al := seg[1+2*ns], seg[2+2*ns], seg[3+2*ns]>>4, seg[3+2*ns]&15
				if se > 63 || ss > se || (ss == 0 && se != 0) || (ss > 0 && ns != 1) || ah > 13 || al > 13 || (ah != 0 && ah != al+1) {
					return errors.New("bad spectral selection or successive approximation")
				}
			}
			j, ok := scanEnd(data, i+2+n)
			if !ok {
				return errors.New("a scan runs past the end")
			}
			// Only a marker that may follow a scan ends it; image/jpeg
			// refuses the others ("missing 0xff00 sequence").
			if next := data[j+1]; next != 0xFF && next != 0xC4 && next != 0xDB && next != 0xDD && next != 0xDA && next != 0xD9 && next != 0xFE && (next < 0xE0 || next > 0xEF) {
				return errors.New("a byte 0xFF in a scan that is neither stuffed nor a marker")
			}
			i = j
			continue
		}
		i += 2 + n
	}
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
