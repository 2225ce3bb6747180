package imaging

import (
	"encoding/binary"
	"testing"
)

// heifBox is an ISOBMFF box of type typ around body.
func heifBox(typ string, body ...[]byte) []byte {
	n := 8
	for _, b := range body {
		n += len(b)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(n))
	out = append(out, typ...)
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

// alphaMeta is the meta box of a HEIF whose primary item 1 has the alpha
// item 2 (premultiplied when prem), as heif-enc writes one.
func alphaMeta(urn string, prem bool) []byte {
	full := []byte{0, 0, 0, 0}
	refs := [][]byte{full, heifBox("auxl", []byte{0, 2, 0, 1, 0, 1})}
	if prem {
		refs = append(refs, heifBox("prem", []byte{0, 1, 0, 1, 0, 2}))
	}
	hvcC := make([]byte, 23) // chroma format 0: monochrome
	ipco := heifBox("ipco", heifBox("hvcC", make([]byte, 23)), heifBox("hvcC", hvcC), heifBox("auxC", full, []byte(urn+"\x00")))
	// ipma, version 0, 7-bit indices: item 1 has property 1, item 2 has 2 and 3.
	ipma := heifBox("ipma", full, []byte{0, 0, 0, 2, 0, 1, 1, 0x81, 0, 2, 2, 0x82, 3})
	return heifBox("meta", full, heifBox("pitm", full, []byte{0, 1}), heifBox("iref", refs...), heifBox("iprp", ipco, ipma))
}

// TestHEIFAlphaItem: the alpha item is found by its auxl reference and its
// auxC type (HEVC's and MPEG-B's), premultiplication by prem, and
// makePrimary names it in pitm, renames auxl, and makes its monochrome
// hvcC say 4:2:0, leaving the picture's own.
func TestHEIFAlphaItem(t *testing.T) {
	for _, c := range []struct {
		urn       string
		prem, has bool
	}{
		{"urn:mpeg:hevc:2015:auxid:1", false, true},
		{"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", true, true},
		{"urn:com:apple:photo:2020:aux:hdrgainmap", false, false}, // an auxiliary image, not alpha
	} {
		data := alphaMeta(c.urn, c.prem)
		id, prem, ok := heifAlpha(data)
		if ok != c.has || (ok && (id != 2 || prem != c.prem)) {
			t.Errorf("%s: item %d premultiplied %v found %v", c.urn, id, prem, ok)
			continue
		}
		if !ok {
			continue
		}
		if !makePrimary(data, id) {
			t.Fatalf("%s: makePrimary refused item 2", c.urn)
		}
		m, _ := readHEIFMeta(data)
		var refs []string
		m.references(func(typ []byte, _ uint32, _ []uint32) { refs = append(refs, string(typ)) })
		if m.primary() != 2 || refs[0] != "pngA" {
			t.Errorf("%s: primary %d, references %v", c.urn, m.primary(), refs)
		}
		if got := m.properties(2)["hvcC"][16] & 3; got != 1 {
			t.Errorf("%s: the alpha's hvcC says chroma format %d, want 1", c.urn, got)
		}
		if _, _, again := heifAlpha(data); again {
			t.Errorf("%s: an alpha item is still found once its auxl is renamed", c.urn)
		}
	}
}

// FuzzHEIFAlphaItem: the meta walkers, on anything, neither panic nor
// read out of their boxes.
func FuzzHEIFAlphaItem(f *testing.F) {
	f.Add(alphaMeta("urn:mpeg:hevc:2015:auxid:1", true))
	f.Add(alphaMeta("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", false))
	f.Fuzz(func(t *testing.T, data []byte) {
		if id, _, ok := heifAlpha(data); ok {
			makePrimary(data, id)
		}
		heifMonoAs420(data)
	})
}
