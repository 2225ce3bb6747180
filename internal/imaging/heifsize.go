package imaging

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// An AVIF's or HEIC's ispe box states an image's size, and libavif and
// libheif report it before decoding; but the decoder behind them (dav1d,
// libde265) allocates for the size its own bitstream headers give: the AV1
// sequence header's max_frame_width/height, the HEVC sequence parameter
// set's pic_width/height_in_luma_samples. A 3.5 KB file whose ispe says
// 64×48 over a 12000×9000 AV1 frame would be admitted as 64×48 and then
// decoded at 108 MP. So pngd reads those headers itself, from the codec
// configuration boxes (av1C, hvcC) and from each coded item's own data
// (which the decoders also read, and which may carry others), refuses a
// file whose coded pictures do not agree with the size it declares
// (codedFits), and admits the larger of the two. The decoded image cannot
// be trusted to show a lie: the decoder's wrapper builds it at the
// declared size (an AVIF told 16×12 over a 64×48 frame was stored as a
// 16×12 picture).

// SizeMismatchError means an AVIF or HEIC whose coded picture does not
// agree with the size its header declares (codedFits): the file
// contradicts itself.
type SizeMismatchError struct {
	Format                  Format
	Width, Height           int // the declared (ispe) size
	CodedWidth, CodedHeight int
}

func (e *SizeMismatchError) Error() string {
	return fmt.Sprintf("the %s contradicts itself: its header says %d×%d and its %s picture is %d×%d",
		formatName(e.Format), e.Width, e.Height, codecName(e.Format), e.CodedWidth, e.CodedHeight)
}

func codecName(f Format) string {
	if f == HEIC {
		return "HEVC"
	}
	return "AV1"
}

// heifItem is one item of an ISOBMFF image file: its type and where its
// data lies.
type heifItem struct {
	typ   string
	data  []byte   // its extents joined, at most maxItemScan bytes
	parts [][]byte // its extents, all of them, in the file (not copies)
}

// maxItemScan bounds what of an item's data is scanned for headers: they
// come first in it.
const maxItemScan = 1 << 20

// codedSize is the largest picture the file's AV1 or HEVC headers declare,
// across its codec configurations and its coded items' data. found is
// false when the file has none: then nothing would decode.
func codedSize(f Format, data []byte) (w, h int, found bool, err error) {
	meta := box(data, "meta")
	if len(meta) < 4 {
		return 0, 0, false, errors.New("no meta box")
	}
	meta = meta[4:]
	note := func(cw, ch int) {
		w, h, found = max(w, cw), max(h, ch), true
	}
	// The codec configurations in the property container.
	for b := box(box(meta, "iprp"), "ipco"); len(b) >= 8; {
		size, typ, body := nextBox(b)
		if size == 0 {
			break
		}
		switch {
		case f == AVIF && typ == "av1C" && len(body) >= 4:
			cw, ch, ok, err := av1Size([][]byte{body[4:]})
			if err != nil {
				return 0, 0, false, fmt.Errorf("av1C: %w", err)
			}
			if ok {
				note(cw, ch)
			}
		case f == HEIC && typ == "hvcC":
			sizes, err := hvcCSizes(body)
			if err != nil {
				return 0, 0, false, fmt.Errorf("hvcC: %w", err)
			}
			for _, s := range sizes {
				note(s[0], s[1])
			}
		}
		b = b[size:]
	}
	// The coded items' own data.
	items, err := heifItems(data, meta)
	if err != nil {
		return 0, 0, false, err
	}
	for _, it := range items {
		switch {
		case f == AVIF && it.typ == "av01":
			// A coded item is a sync sample, which starts with a
			// sequence header (AV1-ISOBMFF, 2.4): without one, its
			// bytes are not AV1.
			cw, ch, ok, err := av1Size(it.parts)
			if err != nil {
				return 0, 0, false, fmt.Errorf("av01 item: %w", err)
			}
			if !ok {
				return 0, 0, false, errors.New("an av01 item without a sequence header")
			}
			note(cw, ch)
		case f == HEIC && it.typ == "hvc1":
			for nal := it.data; len(nal) >= 4; {
				n := int(binary.BigEndian.Uint32(nal)) // lengthSizeMinusOne is 3 in every HEIF writer
				if n <= 0 || n > len(nal)-4 {
					break
				}
				if s, ok, err := hevcNALSize(nal[4 : 4+n]); err != nil {
					return 0, 0, false, fmt.Errorf("hvc1 item: %w", err)
				} else if ok {
					note(s[0], s[1])
				}
				nal = nal[4+n:]
			}
		}
	}
	return w, h, found, nil
}

// heifItems reads the item information (iinf) and locations (iloc) boxes
// of meta.
func heifItems(file, meta []byte) ([]heifItem, error) {
	types := map[uint32]string{}
	if iinf := box(meta, "iinf"); len(iinf) >= 6 {
		b := iinf[6:]
		if iinf[0] != 0 {
			b = iinf[8:]
		}
		for len(b) >= 8 {
			size, typ, body := nextBox(b)
			if size == 0 {
				break
			}
			if typ == "infe" && len(body) >= 4 && body[0] >= 2 {
				var id uint32
				var rest []byte
				if body[0] == 2 && len(body) >= 12 {
					id, rest = uint32(binary.BigEndian.Uint16(body[4:])), body[8:]
				} else if body[0] == 3 && len(body) >= 14 {
					id, rest = binary.BigEndian.Uint32(body[4:]), body[10:]
				}
				if len(rest) >= 4 {
					types[id] = string(rest[:4])
				}
			}
			b = b[size:]
		}
	}
	iloc := box(meta, "iloc")
	if len(iloc) < 8 {
		return nil, nil
	}
	idat := box(meta, "idat")
	r := bitReader{b: iloc}
	version := r.bits(8)
	r.bits(24)
	offSize, lenSize, baseSize := r.bits(4), r.bits(4), r.bits(4)
	idxSize := r.bits(4)
	if version == 0 {
		idxSize = 0
	}
	count := r.bits(16)
	if version == 2 {
		count = r.bits(32)
	}
	var items []heifItem
	for range count {
		if r.err != nil {
			break
		}
		var id uint64
		if version < 2 {
			id = r.bits(16)
		} else {
			id = r.bits(32)
		}
		method := uint64(0)
		if version >= 1 {
			r.bits(12)
			method = r.bits(4)
		}
		r.bits(16) // data_reference_index
		base := r.bits(int(8 * baseSize))
		extents := r.bits(16)
		it := heifItem{typ: types[uint32(id)]}
		for range extents {
			r.bits(int(8 * idxSize))
			off, n := base+r.bits(int(8*offSize)), r.bits(int(8*lenSize))
			src := file
			switch method {
			case 0:
			case 1:
				src = idat
			default:
				continue // data in another item: not read here
			}
			if off >= uint64(len(src)) {
				continue
			}
			end := uint64(len(src))
			if n > 0 && off+n <= end {
				end = off + n
			}
			part := src[off:end]
			it.parts = append(it.parts, part)
			if room := maxItemScan - len(it.data); room > 0 {
				it.data = append(it.data, part[:min(len(part), room)]...)
			}
		}
		items = append(items, it)
	}
	if r.err != nil {
		return nil, errors.New("a damaged iloc box")
	}
	return items, nil
}

// av1Size reads the AV1 sequence header OBUs among the OBUs in the item
// whose extents are parts (low overhead format: each OBU has a size field
// but perhaps the last) and returns the largest frame size they allow. ok
// is false when there are none. It walks every OBU header of the item in
// place, however large: a frame OBU of a large picture runs past the first
// megabyte, and a sequence header could follow it.
func av1Size(parts [][]byte) (w, h int, ok bool, err error) {
	b := joined(parts)
	for off := 0; off < b.len; {
		hdr := b.at(off)
		if hdr&0x80 != 0 {
			return 0, 0, false, errors.New("an OBU's forbidden bit is set")
		}
		typ, ext, hasSize := hdr>>3&15, hdr&4 != 0, hdr&2 != 0
		i := off + 1
		if ext {
			i++
		}
		if i > b.len {
			return 0, 0, false, errors.New("a short OBU header")
		}
		n := b.len - i
		if hasSize {
			v, k := leb128(b.slice(i, min(8, b.len-i)))
			if k == 0 || v > uint64(b.len-i-k) {
				return 0, 0, false, errors.New("an OBU runs past its item")
			}
			i += k
			n = int(v)
		}
		if typ == 1 { // OBU_SEQUENCE_HEADER: its frame size comes within its first few hundred bytes
			sw, sh, err := av1SequenceSize(b.slice(i, min(n, 1024)))
			if err != nil {
				return 0, 0, false, err
			}
			w, h, ok = max(w, sw), max(h, sh), true
		}
		off = i + n
	}
	return w, h, ok, nil
}

// chain is byte slices read as one, without joining them, at offsets that
// never go back: it keeps its place, so a walk over an item of many small
// extents costs their number plus its own steps, not their product.
type chain struct {
	parts     [][]byte
	len       int
	cur, base int // the part that holds the last offset read, and where it starts
}

func joined(parts [][]byte) *chain {
	c := &chain{parts: parts}
	for _, p := range parts {
		c.len += len(p)
	}
	return c
}

// seek moves to the part holding off (base <= off < c.len).
func (c *chain) seek(off int) {
	for off-c.base >= len(c.parts[c.cur]) {
		c.base += len(c.parts[c.cur])
		c.cur++
	}
}

// at is the byte at off (< c.len, and no less than offsets read before).
func (c *chain) at(off int) byte {
	c.seek(off)
	return c.parts[c.cur][off-c.base]
}

// slice is the n bytes from off (off+n <= c.len): a slice of a part, or a
// copy where they cross from one part to the next.
func (c *chain) slice(off, n int) []byte {
	if n == 0 {
		return nil
	}
	c.seek(off)
	p := c.parts[c.cur][off-c.base:]
	if n <= len(p) {
		return p[:n]
	}
	out := append(make([]byte, 0, n), p...)
	for _, q := range c.parts[c.cur+1:] {
		if len(out) == n {
			break
		}
		out = append(out, q[:min(len(q), n-len(out))]...)
	}
	return out
}

func leb128(b []byte) (v uint64, n int) {
	for i := 0; i < 8 && i < len(b); i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// av1SequenceSize reads max_frame_width_minus_1 and
// max_frame_height_minus_1 from a sequence header OBU's payload (AV1
// specification, section 5.5.1).
func av1SequenceSize(b []byte) (w, h int, err error) {
	r := bitReader{b: b}
	r.bits(3) // seq_profile
	r.bits(1) // still_picture
	reduced := r.bits(1) == 1
	if reduced {
		r.bits(5) // seq_level_idx[0]
	} else {
		timing := r.bits(1) == 1
		decoderModel := false
		var bufferDelayLen uint64
		if timing {
			r.bits(32)          // num_units_in_display_tick
			r.bits(32)          // time_scale
			if r.bits(1) == 1 { // equal_picture_interval
				r.uvlc() // num_ticks_per_picture_minus_1
			}
			if decoderModel = r.bits(1) == 1; decoderModel {
				bufferDelayLen = r.bits(5) + 1
				r.bits(32) // num_units_in_decoding_tick
				r.bits(5)  // buffer_removal_time_length_minus_1
				r.bits(5)  // frame_presentation_time_length_minus_1
			}
		}
		displayDelay := r.bits(1) == 1
		ops := r.bits(5) + 1
		for range ops {
			r.bits(12)         // operating_point_idc
			if r.bits(5) > 7 { // seq_level_idx
				r.bits(1) // seq_tier
			}
			if decoderModel && r.bits(1) == 1 { // decoder_model_present_for_this_op
				r.bits(int(bufferDelayLen)) // decoder_buffer_delay
				r.bits(int(bufferDelayLen)) // encoder_buffer_delay
				r.bits(1)                   // low_delay_mode_flag
			}
			if displayDelay && r.bits(1) == 1 {
				r.bits(4) // initial_display_delay_minus_1
			}
		}
	}
	wBits, hBits := int(r.bits(4))+1, int(r.bits(4))+1
	w, h = int(r.bits(wBits))+1, int(r.bits(hBits))+1
	if r.err != nil {
		return 0, 0, errors.New("a short AV1 sequence header")
	}
	return w, h, nil
}

// hvcCSizes reads the sequence parameter sets among an hvcC box's NAL unit
// arrays (ISO/IEC 14496-15, 8.3.3.1) and returns the size of each.
func hvcCSizes(b []byte) ([][2]int, error) {
	if len(b) < 23 {
		return nil, errors.New("a short hvcC box")
	}
	arrays := int(b[22])
	b = b[23:]
	var sizes [][2]int
	for range arrays {
		if len(b) < 3 {
			return nil, errors.New("a short NAL unit array")
		}
		n := int(binary.BigEndian.Uint16(b[1:]))
		b = b[3:]
		for range n {
			if len(b) < 2 {
				return nil, errors.New("a short NAL unit")
			}
			k := int(binary.BigEndian.Uint16(b))
			if k > len(b)-2 {
				return nil, errors.New("a NAL unit runs past its box")
			}
			s, ok, err := hevcNALSize(b[2 : 2+k])
			if err != nil {
				return nil, err
			}
			if ok {
				sizes = append(sizes, s)
			}
			b = b[2+k:]
		}
	}
	return sizes, nil
}

// hevcNALSize returns a sequence parameter set's picture size, cropped by
// its conformance window (H.265, 7.3.2.2); ok is false for other NAL
// units.
func hevcNALSize(nal []byte) (size [2]int, ok bool, err error) {
	if len(nal) < 2 || nal[0]>>1&63 != 33 { // SPS_NUT
		return size, false, nil
	}
	// Remove emulation prevention: 00 00 03 becomes 00 00.
	rbsp := make([]byte, 0, min(len(nal), 512))
	zeros := 0
	for _, c := range nal[2:min(len(nal), 512)] {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		rbsp = append(rbsp, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	r := bitReader{b: rbsp}
	r.bits(4) // sps_video_parameter_set_id
	subLayers := int(r.bits(3))
	r.bits(1) // sps_temporal_id_nesting_flag
	// profile_tier_level(1, subLayers)
	r.bits(96)
	profile, level := make([]bool, subLayers), make([]bool, subLayers)
	for i := range subLayers {
		profile[i], level[i] = r.bits(1) == 1, r.bits(1) == 1
	}
	if subLayers > 0 {
		for range 8 - subLayers {
			r.bits(2)
		}
	}
	for i := range subLayers {
		if profile[i] {
			r.bits(88)
		}
		if level[i] {
			r.bits(8)
		}
	}
	r.ue() // sps_seq_parameter_set_id
	chroma := r.ue()
	if chroma == 3 {
		r.bits(1) // separate_colour_plane_flag
	}
	w, h := r.ue(), r.ue()
	if r.bits(1) == 1 { // conformance_window_flag
		subW, subH := uint64(1), uint64(1)
		if chroma == 1 || chroma == 2 {
			subW = 2
		}
		if chroma == 1 {
			subH = 2
		}
		left, right, top, bottom := r.ue(), r.ue(), r.ue(), r.ue()
		if cw := subW * (left + right); cw < w {
			w -= cw
		}
		if ch := subH * (top + bottom); ch < h {
			h -= ch
		}
	}
	if r.err != nil || w == 0 || h == 0 || w > 1<<20 || h > 1<<20 {
		return size, false, errors.New("a damaged sequence parameter set")
	}
	return [2]int{int(w), int(h)}, true, nil
}

// bitReader reads big-endian bit fields; past the end it reads zeros and
// sets err.
type bitReader struct {
	b   []byte
	pos int // in bits
	err error
}

func (r *bitReader) bits(n int) uint64 {
	var v uint64
	for range n {
		i := r.pos >> 3
		if i >= len(r.b) {
			r.err = errors.New("past the end")
			return 0
		}
		v = v<<1 | uint64(r.b[i]>>(7-r.pos&7)&1)
		r.pos++
	}
	return v
}

// ue reads an unsigned Exp-Golomb code (H.265, 9.2).
func (r *bitReader) ue() uint64 {
	zeros := 0
	for r.bits(1) == 0 {
		if zeros++; zeros > 31 || r.err != nil {
			r.err = errors.New("a bad Exp-Golomb code")
			return 0
		}
	}
	return 1<<zeros - 1 + r.bits(zeros)
}

// uvlc reads AV1's variable-length unsigned code (section 4.10.3).
func (r *bitReader) uvlc() uint64 {
	zeros := 0
	for r.bits(1) == 0 {
		if zeros++; zeros >= 32 || r.err != nil {
			return 0
		}
	}
	return r.bits(zeros)
}

// hasGrid reports whether an ISOBMFF image has a grid item: a picture made
// of tiles, each coded smaller than the whole.
func hasGrid(data []byte) bool {
	meta := box(data, "meta")
	if len(meta) < 4 {
		return false
	}
	items, _ := heifItems(data, meta[4:])
	for _, it := range items {
		if it.typ == "grid" {
			return true
		}
	}
	return false
}

// codedFits reports whether a coded picture of cw×ch agrees with a
// declared w×h. An AV1 picture has the declared size exactly, as encoders
// write it; an HEVC one may be larger by up to a 64-pixel coding block
// (libheif pads small images to a whole block, and crops after decoding).
// In a grid, tiles are coded smaller than the whole, so only larger is
// refused.
func codedFits(f Format, w, h, cw, ch int, grid bool) bool {
	maxW, maxH := w, h
	if f == HEIC {
		maxW, maxH = padded(w), padded(h)
	}
	if cw > maxW || ch > maxH {
		return false
	}
	return grid || (cw >= w && ch >= h)
}
