package imaging

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// TestJPEGProfile: the ICC profile of a JPEG is read from its APP2 parts
// whatever the frame type (an extended sequential SOF1, as jpegli's XYB
// JPEGs are, was refused by the metadata reader pngd used), in their
// numbers' order; a part missing drops the profile, and the picture still
// decodes.
func TestJPEGProfile(t *testing.T) {
	var b bytes.Buffer
	jpeg.Encode(&b, colourtest.Chart(40, 30), nil)
	p3 := colourtest.DisplayP3()
	sof1 := func(j []byte) []byte {
		j = bytes.Clone(j)
		i := bytes.Index(j, []byte{0xFF, 0xC0})
		j[i+1] = 0xC1
		return j
	}
	// segments returns the offsets of j's APP2 segments.
	segments := func(j []byte) [][2]int {
		var out [][2]int
		for i := 2; i+4 <= len(j) && j[i] == 0xFF && j[i+1] != 0xDA; {
			n := int(binary.BigEndian.Uint16(j[i+2:]))
			if j[i+1] == 0xE2 {
				out = append(out, [2]int{i, i + 2 + n})
			}
			i += 2 + n
		}
		return out
	}
	three := colourtest.WithAPP2(b.Bytes(), p3, 3)
	seg := segments(three)
	swapped := append(append(append(append([]byte{}, three[:seg[0][0]]...), three[seg[1][0]:seg[1][1]]...), three[seg[0][0]:seg[0][1]]...), three[seg[1][1]:]...)
	missing := append(append([]byte{}, three[:seg[1][0]]...), three[seg[1][1]:]...)
	for _, c := range []struct {
		name    string
		data    []byte
		profile bool
	}{
		{"SOF0, 3 parts", three, true},
		{"SOF1, 3 parts", sof1(three), true},
		{"parts 2, 1, 3", swapped, true},
		{"part 2 of 3 missing", missing, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := Decode(c.data, Limits{MaxPixels: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Profile != nil && bytes.Equal(d.Profile.Data, p3); got != c.profile {
				t.Errorf("profile kept: %v, want %v (%v)", got, c.profile, d.ProfileErr)
			}
			if !c.profile && d.ProfileErr == nil {
				t.Errorf("a damaged profile dropped without a reason for the log")
			}
		})
	}
}
