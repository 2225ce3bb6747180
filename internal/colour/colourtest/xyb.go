package colourtest

import (
	"encoding/binary"
	"image"
	"image/color"
	"math"
)

// An XYB JPEG (jpegli's, libjxl's cjpegli --xyb) stores JPEG XL's XYB
// values in three components that are not Y'CbCr, and carries an ICC
// profile whose A2B0 tag, a lutAtoB ('mAB ') with a colour lookup table,
// turns them into the PCS. No jpegli can be installed here (Debian
// bookworm, the npm registry and the Go proxy have none), so these helpers
// make a picture of that kind: XYB as the JPEG XL specification (ISO/IEC
// 18181-1, the opsin absorbance matrix and bias) defines it, scaled into
// 0–255 by this file's own choice (not jpegli's), and a v4 profile with a
// 17-point CLUT that inverts it. The reference for a conversion of it is
// Little CMS, which reads the profile independently.

// The opsin absorbance matrix and bias of JPEG XL's XYB.
var (
	opsin = [3][3]float64{
		{0.30, 0.622, 0.078},
		{0.23, 0.692, 0.078},
		{0.24342268924547819, 0.20476744424496821, 0.55180986650955360},
	}
	opsinBias = 0.0037930732552754493
)

// xybScale maps X, Y and B into 0–1 as this file stores them: X about a
// middle grey, Y and B by their largest value.
func xybScale(x, y, b float64) (c0, c1, c2 float64) {
	return x*12 + 0.5, y / 0.85, b / 0.85
}

// sRGB's primaries adapted to D50 (the ICC's PCS), as ICC sRGB profiles
// give them.
var srgbToXYZD50 = [3][3]float64{
	{0.4360747, 0.3850649, 0.1430804},
	{0.2225045, 0.7168786, 0.0606169},
	{0.0139322, 0.0971045, 0.7141733},
}

func mul(m [3][3]float64, v [3]float64) [3]float64 {
	var o [3]float64
	for i := range 3 {
		o[i] = m[i][0]*v[0] + m[i][1]*v[1] + m[i][2]*v[2]
	}
	return o
}

func invert(m [3][3]float64) [3][3]float64 {
	a, b, c := m[0], m[1], m[2]
	det := a[0]*(b[1]*c[2]-b[2]*c[1]) - a[1]*(b[0]*c[2]-b[2]*c[0]) + a[2]*(b[0]*c[1]-b[1]*c[0])
	return [3][3]float64{
		{(b[1]*c[2] - b[2]*c[1]) / det, (a[2]*c[1] - a[1]*c[2]) / det, (a[1]*b[2] - a[2]*b[1]) / det},
		{(b[2]*c[0] - b[0]*c[2]) / det, (a[0]*c[2] - a[2]*c[0]) / det, (a[2]*b[0] - a[0]*b[2]) / det},
		{(b[0]*c[1] - b[1]*c[0]) / det, (a[1]*c[0] - a[0]*c[1]) / det, (a[0]*b[1] - a[1]*b[0]) / det},
	}
}

func linearise(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

// ToXYB is m's sRGB pixels as XYB samples, scaled as this file stores them.
func ToXYB(m image.Image) *image.NRGBA {
	r := m.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	cb := math.Cbrt(opsinBias)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.NRGBAModel.Convert(m.At(x, y)).(color.NRGBA)
			lin := [3]float64{linearise(float64(c.R) / 255), linearise(float64(c.G) / 255), linearise(float64(c.B) / 255)}
			lms := mul(opsin, lin)
			for i := range lms {
				lms[i] = math.Cbrt(lms[i]+opsinBias) - cb
			}
			c0, c1, c2 := xybScale((lms[0]-lms[1])/2, (lms[0]+lms[1])/2, lms[2])
			q := func(v float64) uint8 { return uint8(math.Round(255 * min(1, max(0, v)))) }
			out.SetNRGBA(x-r.Min.X, y-r.Min.Y, color.NRGBA{q(c0), q(c1), q(c2), 255})
		}
	}
	return out
}

// xybToXYZ is the PCS colour of stored samples c (0–1 each).
func xybToXYZ(c [3]float64) [3]float64 {
	x, y, b := (c[0]-0.5)/12, c[1]*0.85, c[2]*0.85
	cb := math.Cbrt(opsinBias)
	lms := [3]float64{y + x + cb, y - x + cb, b + cb}
	for i := range lms {
		lms[i] = lms[i]*lms[i]*lms[i] - opsinBias
	}
	lin := mul(invert(opsin), lms)
	for i := range lin {
		lin[i] = min(1, max(0, lin[i]))
	}
	return mul(srgbToXYZD50, lin)
}

// XYBProfile is an ICC v4 input profile ('scnr', RGB to XYZ) whose A2B0 is
// a lutAtoB of identity A, M and B curves, an identity matrix and a
// 17-point CLUT of 16-bit samples that turns ToXYB's samples back into
// colour.
func XYBProfile() []byte {
	be := binary.BigEndian
	s15 := func(b []byte, v float64) []byte { return be.AppendUint32(b, uint32(int32(math.Round(v*65536)))) }
	pad := func(b []byte) []byte {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	identity := func(b []byte) []byte { // a parametricCurveType of gamma 1
		b = append(b, "para"...)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
		return s15(b, 1)
	}
	curves := func(b []byte) []byte {
		for range 3 {
			b = pad(identity(b))
		}
		return b
	}

	// The lutAtoB tag: header, then B curves, matrix, M curves, CLUT and
	// A curves, each at an offset from the tag's start.
	const grid = 17
	tag := append([]byte("mAB "), 0, 0, 0, 0, 3, 3, 0, 0)
	tag = append(tag, make([]byte, 20)...) // the five offsets
	offset := func(i int) { be.PutUint32(tag[12+4*i:], uint32(len(tag))) }
	offset(0) // B
	tag = curves(tag)
	offset(1) // matrix: identity, no offset
	for i := range 9 {
		tag = s15(tag, map[bool]float64{true: 1}[i%4 == 0])
	}
	for range 3 {
		tag = s15(tag, 0)
	}
	offset(2) // M
	tag = curves(tag)
	offset(3) // CLUT
	gp := make([]byte, 16)
	for i := range 3 {
		gp[i] = grid
	}
	tag = append(tag, gp...)
	tag = append(tag, 2, 0, 0, 0) // 16-bit samples
	for i := range grid {
		for j := range grid {
			for k := range grid {
				xyz := xybToXYZ([3]float64{float64(i) / (grid - 1), float64(j) / (grid - 1), float64(k) / (grid - 1)})
				for _, v := range xyz {
					// PCSXYZ in a lutAtoB: 0–1 covers 0 to 1 + 32767/32768.
					tag = be.AppendUint16(tag, uint16(math.Round(min(1, v*32768/65535)*65535)))
				}
			}
		}
	}
	tag = pad(tag)
	offset(4) // A
	tag = curves(tag)

	desc := []byte("mluc\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x0cenUS")
	text := "XYB kind (pngd test)"
	desc = be.AppendUint32(desc, uint32(2*len(text)))
	desc = be.AppendUint32(desc, 28)
	for _, r := range text {
		desc = be.AppendUint16(desc, uint16(r))
	}
	wtpt := []byte("XYZ \x00\x00\x00\x00")
	for _, v := range []float64{0.9642, 1, 0.8249} {
		wtpt = s15(wtpt, v)
	}
	tags := []struct {
		sig  string
		body []byte
	}{{"desc", pad(desc)}, {"wtpt", wtpt}, {"A2B0", tag}}

	header := make([]byte, 128)
	table := be.AppendUint32(nil, uint32(len(tags)))
	at := 128 + 4 + 12*len(tags)
	var bodies []byte
	for _, t := range tags {
		table = append(table, t.sig...)
		table = be.AppendUint32(table, uint32(at+len(bodies)))
		table = be.AppendUint32(table, uint32(len(t.body)))
		bodies = append(bodies, t.body...)
	}
	out := append(append(header, table...), bodies...)
	be.PutUint32(out, uint32(len(out)))
	be.PutUint32(out[8:], 0x04300000) // v4.3
	copy(out[12:], "scnrRGB XYZ ")
	be.PutUint16(out[24:], 2026) // the date: 2026-12-06
	be.PutUint16(out[26:], 12)
	be.PutUint16(out[28:], 6)
	copy(out[36:], "acsp")
	be.PutUint32(out[64:], 0)                        // perceptual
	for i, v := range []float64{0.9642, 1, 0.8249} { // the PCS illuminant, D50
		be.PutUint32(out[68+4*i:], uint32(int32(math.Round(v*65536))))
	}
	return out
}
