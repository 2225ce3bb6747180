package imaging

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// A HEIF keeps transparency as a second, monochrome image: an auxiliary
// item whose auxC property names it alpha, tied to the picture by an
// iref 'auxl' reference (ISO/IEC 23008-12, 6.5.8 and 6.6.1). The
// WebAssembly libheif's wrapper returns the picture's colour planes only,
// so pngd decodes the alpha item itself, through the same module, once the
// colour is decoded: in the file changed so that its pitm names the alpha
// item, and its auxl references renamed so that libheif takes it for an
// ordinary image (makePrimary).
// libheif attaches the alpha item's luma samples as they are, with no
// range conversion (HeifContext::decode_image_planar), and so does pngd.

// alphaURNs are the auxC types that mean alpha: HEVC's and MPEG-B's.
var alphaURNs = []string{"urn:mpeg:hevc:2015:auxid:1", "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha"}

// heifMeta is the parts of a HEIF's meta box that say which items are
// which. Its slices alias the file they were read from.
type heifMeta struct {
	pitm []byte // the pitm box's body
	iref []byte // the iref box's body
	ipco []byte
	ipma []byte
}

func readHEIFMeta(data []byte) (heifMeta, bool) {
	meta := box(data, "meta")
	if len(meta) < 4 {
		return heifMeta{}, false
	}
	meta = meta[4:] // a full box: version and flags first
	iprp := box(meta, "iprp")
	m := heifMeta{pitm: box(meta, "pitm"), iref: box(meta, "iref"), ipco: box(iprp, "ipco"), ipma: box(iprp, "ipma")}
	return m, len(m.pitm) >= 6
}

// primary is the pitm box's item id.
func (m heifMeta) primary() uint32 {
	if m.pitm[0] == 0 {
		return uint32(binary.BigEndian.Uint16(m.pitm[4:]))
	}
	if len(m.pitm) < 8 {
		return 0
	}
	return binary.BigEndian.Uint32(m.pitm[4:])
}

// references calls fn for each of the iref box's references, with its
// type's bytes (which fn may change: they are the file's), the item it is
// from and the items it is to.
func (m heifMeta) references(fn func(typ []byte, from uint32, to []uint32)) {
	if len(m.iref) < 4 {
		return
	}
	wide := m.iref[0] != 0 // version 1: 32-bit item ids
	idSize := 2
	if wide {
		idSize = 4
	}
	id := func(b []byte) uint32 {
		if wide {
			return binary.BigEndian.Uint32(b)
		}
		return uint32(binary.BigEndian.Uint16(b))
	}
	for b := m.iref[4:]; len(b) >= 8; {
		size, _, body := nextBox(b)
		if size == 0 {
			return
		}
		typ := b[4:8:8]
		if len(body) >= idSize+2 {
			from := id(body)
			n := int(binary.BigEndian.Uint16(body[idSize:]))
			rest := body[idSize+2:]
			var to []uint32
			for i := 0; i < n && len(rest) >= idSize; i++ {
				to = append(to, id(rest))
				rest = rest[idSize:]
			}
			fn(typ, from, to)
		}
		b = b[size:]
	}
}

// properties is the ipco boxes (type and body) that ipma associates with
// item.
func (m heifMeta) properties(item uint32) map[string][]byte {
	if len(m.ipma) < 8 {
		return nil
	}
	var all [][2][]byte // each ipco child's type and body, in order
	for b := m.ipco; len(b) >= 8; {
		size, typ, body := nextBox(b)
		if size == 0 {
			break
		}
		all = append(all, [2][]byte{[]byte(typ), body})
		b = b[size:]
	}
	version, wideIndex := m.ipma[0], m.ipma[3]&1 != 0
	r := bitReader{b: m.ipma[4:]}
	count := r.bits(32)
	for range count {
		if r.err != nil {
			return nil
		}
		var id uint64
		if version < 1 {
			id = r.bits(16)
		} else {
			id = r.bits(32)
		}
		n := r.bits(8)
		props := map[string][]byte{}
		for range n {
			r.bits(1) // essential
			var index uint64
			if wideIndex {
				index = r.bits(15)
			} else {
				index = r.bits(7)
			}
			if index >= 1 && index <= uint64(len(all)) {
				p := all[index-1]
				if _, seen := props[string(p[0])]; !seen {
					props[string(p[0])] = p[1]
				}
			}
		}
		if uint32(id) == item && r.err == nil {
			return props
		}
	}
	return nil
}

// heifAlpha finds data's primary image's alpha item, and whether the
// picture's colour is premultiplied by it (an iref 'prem' from the picture
// to the alpha). ok is false when the primary image has no alpha.
func heifAlpha(data []byte) (alpha uint32, premultiplied, ok bool) {
	m, found := readHEIFMeta(data)
	if !found {
		return 0, false, false
	}
	primary := m.primary()
	m.references(func(typ []byte, from uint32, to []uint32) {
		if ok || string(typ) != "auxl" || !slices.Contains(to, primary) {
			return
		}
		auxC := m.properties(from)["auxC"]
		if len(auxC) < 4 {
			return
		}
		urn, _, _ := bytes.Cut(auxC[4:], []byte{0})
		if slices.Contains(alphaURNs, string(urn)) {
			alpha, ok = from, true
		}
	})
	if !ok {
		return 0, false, false
	}
	m.references(func(typ []byte, from uint32, to []uint32) {
		if string(typ) == "prem" && from == primary && slices.Contains(to, alpha) {
			premultiplied = true
		}
	})
	return alpha, premultiplied, true
}

// makePrimary changes data, in place, for decoding item through libheif
// as its primary image: its pitm names item, its auxl references are
// renamed (libheif would take item for an auxiliary image of another), and
// its monochrome hvcC properties say 4:2:0 (monoAs420). It reports false
// when item cannot be named in data's pitm.
func makePrimary(data []byte, item uint32) bool {
	m, ok := readHEIFMeta(data)
	if !ok {
		return false
	}
	if m.pitm[0] == 0 {
		if item > 0xffff {
			return false
		}
		binary.BigEndian.PutUint16(m.pitm[4:], uint16(item))
	} else {
		binary.BigEndian.PutUint32(m.pitm[4:], item)
	}
	m.references(func(typ []byte, _ uint32, _ []uint32) {
		if string(typ) == "auxl" {
			copy(typ, "pngA") // a type libheif does not know, and ignores
		}
	})
	monoAs420(m, true)
	return true
}

// monoAs420 makes every hvcC property of m that says monochrome (chroma
// format 0) say 4:2:0, and reports whether there was one. The WebAssembly
// libheif's wrapper asks libheif for the decoding colour space it prefers,
// which for a monochrome HEVC image is Y'CbCr with monochrome chroma, and
// libheif 1.18 has no conversion to that: every monochrome HEIC, and every
// alpha item, failed to decode. Asked for 4:2:0, libheif decodes the
// monochrome picture (libde265 reads the chroma format from the stream's
// own SPS) and converts it with its mono-to-4:2:0 step, which copies the
// luma as it is and fills the chroma planes with their middle. It changes
// m's file only when apply is set.
func monoAs420(m heifMeta, apply bool) (found bool) {
	for b := m.ipco; len(b) >= 8; {
		size, typ, body := nextBox(b)
		if size == 0 {
			break
		}
		if typ == "hvcC" && len(body) >= 23 && body[16]&3 == 0 {
			if apply {
				body[16] |= 1
			}
			found = true
		}
		b = b[size:]
	}
	return found
}

// heifMonoAs420 applies monoAs420 to data, in place.
func heifMonoAs420(data []byte) {
	if m, ok := readHEIFMeta(data); ok {
		monoAs420(m, true)
	}
}
