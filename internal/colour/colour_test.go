package colour

import (
	"image"
	"math/rand/v2"
	"os"
	"testing"
)

// TestTableMatchesPipeline: the lookup table gives, for random colours, what
// evaluating the profile's own transform per pixel gives, within one level
// for RGB, and most often exactly. CMYK's table is coarser (17 points an
// axis, 1 MiB; 25 would halve the error for 4.7 MiB) and its K axis is
// interpolated linearly: within four levels.
func TestTableMatchesPipeline(t *testing.T) {
	profiles := map[string][]byte{"Display P3": DisplayP3(), "FOGRA39": fogra39}
	if data, err := os.ReadFile("/usr/share/color/icc/colord/AdobeRGB1998.icc"); err == nil {
		profiles["Adobe RGB"] = data
	}
	for name, data := range profiles {
		t.Run(name, func(t *testing.T) {
			p, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := p.ToSRGB()
			if err != nil {
				t.Fatal(err)
			}
			in := map[string]int{"RGB": 3, "CMYK": 4}[p.Space]
			if in == 3 && tr.sep == nil {
				t.Error("a matrix/TRC profile is not taken as separable")
			}
			pl, err := p.p.CreateTransformerToSRGB(Intent, true, in, true, false, true)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			worst, exact := 0, 0
			const n = 20000
			for range n {
				var c [4]uint8
				for i := range c {
					c[i] = uint8(rng.IntN(256))
				}
				var got [3]uint8
				if in == 3 {
					got[0], got[1], got[2] = tr.rgb(c[0], c[1], c[2])
					// The 3-D table, which LUT profiles use, agrees too.
					l0, l1, l2 := tr.lookup3(c[0], c[1], c[2])
					for i, v := range [3]uint8{l0, l1, l2} {
						worst = max(worst, int(v)-int(got[i])-1, int(got[i])-int(v)-1)
					}
				} else {
					got[0], got[1], got[2] = tr.lookup4(c[0], c[1], c[2], c[3])
				}
				var inp, out [4]float64
				for i := range in {
					inp[i] = float64(c[i]) / 255
				}
				pl.TransformGeneral(out[:], inp[:])
				same := true
				for i := range 3 {
					want := int(out[i]*255 + 0.5)
					d := max(int(got[i])-want, want-int(got[i]))
					worst = max(worst, d)
					same = same && d == 0
				}
				if same {
					exact++
				}
			}
			t.Logf("largest difference %d; %d of %d colours exact", worst, exact, n)
			if limit := map[int]int{3: 1, 4: 4}[in]; worst > limit {
				t.Errorf("largest difference %d > %d", worst, limit)
			}
		})
	}
}

// TestApplyRGBAKeepsAlpha: translucent pixels convert through their
// unpremultiplied colour, and transparent ones stay as they are.
func TestApplyRGBAKeepsAlpha(t *testing.T) {
	p, err := Parse(DisplayP3())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p.ToSRGB()
	if err != nil {
		t.Fatal(err)
	}
	m := image.NewRGBA(image.Rect(0, 0, 3, 1))
	copy(m.Pix, []uint8{200, 40, 20, 255, 100, 20, 10, 128, 0, 0, 0, 0})
	tr.ApplyRGBA(m)
	r, g, b := tr.rgb(200, 40, 20)
	if m.Pix[0] != r || m.Pix[1] != g || m.Pix[2] != b || m.Pix[3] != 255 {
		t.Errorf("opaque: %v, want %v", m.Pix[:4], []uint8{r, g, b, 255})
	}
	r2, g2, b2 := tr.rgb(unpremul(100, 128), unpremul(20, 128), unpremul(10, 128))
	if want := []uint8{premul(r2, 128), premul(g2, 128), premul(b2, 128), 128}; string(m.Pix[4:8]) != string(want) {
		t.Errorf("translucent: %v, want %v", m.Pix[4:8], want)
	}
	if string(m.Pix[8:]) != "\x00\x00\x00\x00" {
		t.Errorf("transparent: %v", m.Pix[8:])
	}
}

// TestHostileProfiles: every truncation of a profile, and profiles with
// bytes overwritten at random, are refused or convert; none panics.
func TestHostileProfiles(t *testing.T) {
	good := DisplayP3()
	try := func(data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		if tr, err := p.ToSRGB(); err == nil && p.Space != "CMYK" {
			tr.ApplyRGBA(image.NewRGBA(image.Rect(0, 0, 4, 4)))
		}
	}
	for n := range len(good) {
		try(good[:n])
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		bad := append([]byte{}, good...)
		for range 1 + rng.IntN(8) {
			bad[rng.IntN(len(bad))] = uint8(rng.IntN(256))
		}
		try(bad)
	}
	if _, err := Parse(make([]byte, MaxProfileBytes+1)); err == nil {
		t.Error("a profile past MaxProfileBytes was accepted")
	}
}

// FuzzParse: whatever the bytes, Parse and ToSRGB return or refuse.
func FuzzParse(f *testing.F) {
	f.Add(DisplayP3())
	f.Add(fogra39[:4096])
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			return
		}
		p.ToSRGB()
	})
}

// BenchmarkApplyRGBA converts a 12 MP (4000×3000) opaque image from
// Display P3: the separable path a matrix profile takes, and the 3-D table
// a LUT profile takes.
func BenchmarkApplyRGBA(b *testing.B) {
	p, err := Parse(DisplayP3())
	if err != nil {
		b.Fatal(err)
	}
	tr, err := p.ToSRGB()
	if err != nil {
		b.Fatal(err)
	}
	m := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for i := range m.Pix {
		m.Pix[i] = uint8(i*7/3) | uint8(i%4/3*255)
	}
	b.Run("separable", func(b *testing.B) {
		for b.Loop() {
			tr.ApplyRGBA(m)
		}
	})
	lut := *tr
	lut.sep = nil
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			lut.ApplyRGBA(m)
		}
	})
}
