package colour

import (
	"fmt"
	"math"
)

// HDR describes pixels coded for a high dynamic range display, as
// ITU-R BT.2100 does: PQ (SMPTE ST 2084, absolute luminance up to 10,000
// cd/m²) or HLG (relative, scene-referred), with their primaries (BT.2020
// as a rule).
type HDR struct {
	// CICP is the colour description as ITU-T H.273 codes it: colour
	// primaries, transfer characteristics (16 PQ, 18 HLG), matrix (0 for
	// RGB) and the full-range flag: what PNG's cICP chunk holds.
	CICP [4]uint8
	// PeakNits is the content's brightest light (its MaxCLL), 0 when
	// unknown: then 1,000 cd/m², as BT.2408 assumes for PQ content.
	PeakNits float64
	// Mastering is the mastering display's colour volume, nil when the
	// source does not give it (AVIF's and HEIC's mdcv, PNG's mDCV).
	Mastering *Mastering
}

// Mastering is a mastering display's colour volume as SMPTE ST 2086 gives
// it: the red, green and blue primaries and the white point as x, y
// chromaticities in units of 0.00002, the largest and smallest luminance
// in units of 0.0001 cd/m².
type Mastering struct {
	Primaries    [3][2]uint16 // red, green, blue
	White        [2]uint16
	MaxLuminance uint32
	MinLuminance uint32
}

// MasteringFromST2086 reads the 24 bytes that HEIF's mdcv box and PNG's
// mDCV chunk hold: three primaries, the white point, the largest and
// smallest luminance. The order of the primaries differs (HEVC's SEI, and
// so mdcv, recommends green, blue, red; mDCV is red, green, blue), so they
// are told apart by their chromaticities: red has the largest x, green
// the largest y of the other two. Nil when b is short or names no
// luminance.
func MasteringFromST2086(b []byte) *Mastering {
	if len(b) < 24 {
		return nil
	}
	u16 := func(i int) uint16 { return uint16(b[i])<<8 | uint16(b[i+1]) }
	u32 := func(i int) uint32 { return uint32(u16(i))<<16 | uint32(u16(i+2)) }
	m := &Mastering{White: [2]uint16{u16(12), u16(14)}, MaxLuminance: u32(16), MinLuminance: u32(20)}
	p := [][2]uint16{{u16(0), u16(2)}, {u16(4), u16(6)}, {u16(8), u16(10)}}
	red := 0
	for i := range p {
		if p[i][0] > p[red][0] {
			red = i
		}
	}
	m.Primaries[0] = p[red]
	p = append(p[:red:red], p[red+1:]...)
	if p[1][1] > p[0][1] {
		p[0], p[1] = p[1], p[0]
	}
	m.Primaries[1], m.Primaries[2] = p[0], p[1]
	if m.MaxLuminance == 0 {
		return nil
	}
	return m
}

// HDR transfer characteristics (ITU-T H.273).
const (
	TransferPQ  = 16
	TransferHLG = 18
)

// SDRWhiteNits is where HDR's luminance meets SDR's 100%: BT.2408's
// reference (graphics) white.
const SDRWhiteNits = 203

// Transfer names h's transfer: "pq" or "hlg".
func (h HDR) Transfer() string {
	if h.CICP[1] == TransferHLG {
		return "hlg"
	}
	return "pq"
}

// HDRProfile is the Profile of pixels h describes: nothing pngd stores as
// ICC (the stored PNG carries cICP), but what its transform to sRGB
// (ToSRGB) and its description come from.
func HDRProfile(h HDR) (*Profile, error) {
	if h.CICP[1] != TransferPQ && h.CICP[1] != TransferHLG {
		return nil, fmt.Errorf("%w: transfer %d is not HDR", ErrProfile, h.CICP[1])
	}
	if primaries(h.CICP[0]) == nil {
		return nil, fmt.Errorf("%w: colour primaries %d", ErrProfile, h.CICP[0])
	}
	name := map[string]string{"pq": "BT.2100 PQ", "hlg": "BT.2100 HLG"}[h.Transfer()]
	return &Profile{Description: name, Space: "RGB", hdr: &h}, nil
}

// HDR is the HDR description of p, nil for an ICC profile.
func (p *Profile) HDR() *HDR { return p.hdr }

// primaries are the chromaticities of H.273 colour primaries code c, with
// a D65 white; nil for one pngd does not convert.
func primaries(c uint8) *[3][2]float64 {
	switch c {
	case 1:
		return &[3][2]float64{{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}}
	case 9:
		p := PrimariesBT2020
		return &p
	case 12:
		p := PrimariesP3
		return &p
	}
	return nil
}

// hdrTransform is the tone mapping of h's pixels to sRGB, per channel in
// h's primaries, then to sRGB's:
//   - PQ: the code value's luminance (ST 2084's EOTF) is compressed from
//     the content's peak to SDRWhiteNits by BT.2390's EETF (a Hermite
//     knee in the PQ domain, which keeps the shadows and mid-tones and
//     rolls the highlights off), and SDRWhiteNits becomes 1.0;
//   - HLG: the inverse OETF gives scene light, BT.2100's system gamma 1.2
//     (its OOTF at 1,000 cd/m², applied per channel rather than to
//     luminance) display light, and from there the PQ path.
//
// Then the primaries are converted to BT.709's in linear light; what lies
// outside is clipped, as Transform does for every profile.
func hdrTransform(h HDR) *Transform {
	peak := h.PeakNits
	if peak <= 0 && h.Mastering != nil {
		// Without the content's peak, the mastering display's, as BT.2390's
		// tone mapping falls back to.
		peak = float64(h.Mastering.MaxLuminance) / 10000
	}
	if peak <= 0 || h.CICP[1] == TransferHLG {
		peak = 1000
	}
	peak = max(peak, SDRWhiteNits)
	toLinear := func(v float64) float64 { // code value → linear, 1.0 = SDR white
		var nits float64
		if h.CICP[1] == TransferHLG {
			nits = 1000 * math.Pow(hlgInverseOETF(v), 1.2)
		} else {
			nits = pqEOTF(v)
		}
		return pqEOTF(eetf(pqOETF(nits), pqOETF(peak), pqOETF(SDRWhiteNits))) / SDRWhiteNits
	}
	m := conversion(*primaries(h.CICP[0]), WhiteD65)
	var sep [3][256][3]int32
	for ch := range 3 {
		for v := range 256 {
			l := toLinear(float64(v) / 255)
			for c := range 3 {
				sep[ch][v][c] = int32(math.Round(min(max(m[c][ch]*l, -8), 8) * 65535))
			}
		}
	}
	return &Transform{in: 3, n: gridRGB, sep: &sep}
}

// conversion is the matrix from linear RGB in prim (white w) to linear
// sRGB (BT.709 primaries, D65).
func conversion(prim [3][2]float64, w [2]float64) [3][3]float64 {
	to := rgbToXYZ(prim, w)
	from := inverse(rgbToXYZ([3][2]float64{{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}}, WhiteD65))
	return mul(from, to)
}

// ST 2084's constants.
const (
	pqM1 = 2610.0 / 16384
	pqM2 = 2523.0 / 4096 * 128
	pqC1 = 3424.0 / 4096
	pqC2 = 2413.0 / 4096 * 32
	pqC3 = 2392.0 / 4096 * 32
)

// pqEOTF is the luminance in cd/m² of PQ code value e (0 to 1).
func pqEOTF(e float64) float64 {
	e = min(max(e, 0), 1)
	p := math.Pow(e, 1/pqM2)
	return 10000 * math.Pow(max(p-pqC1, 0)/(pqC2-pqC3*p), 1/pqM1)
}

// pqOETF is the PQ code value of luminance l in cd/m².
func pqOETF(l float64) float64 {
	y := math.Pow(min(max(l, 0), 10000)/10000, pqM1)
	return math.Pow((pqC1+pqC2*y)/(1+pqC3*y), pqM2)
}

// eetf is BT.2390's electro-electrical transfer function from a source
// whose peak is PQ code lw to a display whose peak is PQ code lt (black
// at 0 for both), on PQ code value e.
func eetf(e, lw, lt float64) float64 {
	if lt >= lw {
		return e
	}
	e1 := e / lw
	maxLum := lt / lw
	ks := 1.5*maxLum - 0.5
	e2 := e1
	if e1 >= ks {
		t := (e1 - ks) / (1 - ks)
		t2, t3 := t*t, t*t*t
		e2 = (2*t3-3*t2+1)*ks + (t3-2*t2+t)*(1-ks) + (-2*t3+3*t2)*maxLum
	}
	return min(e2, maxLum) * lw
}

// hlgInverseOETF is the scene light (0 to 1) of HLG code value e.
func hlgInverseOETF(e float64) float64 {
	const a, b, c = 0.17883277, 0.28466892, 0.55991073
	e = min(max(e, 0), 1)
	if e <= 0.5 {
		return e * e / 3
	}
	return (math.Exp((e-c)/a) + b) / 12
}
