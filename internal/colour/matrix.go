package colour

import (
	"bytes"
	"encoding/binary"
	"math"
)

// DisplayP3 is an ICC v2 matrix/TRC profile of Display P3: DCI-P3
// primaries, a D65 white point and the sRGB transfer curve, as Apple's
// phones and cameras tag their photos. Its colorants are adapted to the
// D50 connection space with Bradford's transform, as ICC requires.
func DisplayP3() []byte {
	return MatrixProfile("Display P3", PrimariesP3, WhiteD65, SRGBCurve)
}

// Primaries and white points (CIE xy) of the colour spaces pngd writes
// profiles for: ITU-T H.273's colour primaries 12 (Display P3) and 9
// (BT.2020), and D65.
var (
	PrimariesP3     = [3][2]float64{{0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}}
	PrimariesBT2020 = [3][2]float64{{0.708, 0.292}, {0.170, 0.797}, {0.131, 0.046}}
	WhiteD65        = [2]float64{0.3127, 0.3290}
)

// SRGBCurve is sRGB's transfer function, encoded to linear.
func SRGBCurve(v float64) float64 { return linear(v) }

// BT709Curve is BT.709's (and BT.2020's) transfer function, encoded to
// linear: the inverse of its camera curve.
func BT709Curve(v float64) float64 {
	if v < 0.081 {
		return v / 4.5
	}
	return math.Pow((v+0.099)/1.099, 1/0.45)
}

// MatrixProfile writes an ICC v2 display profile of RGB primaries and a
// white point (CIE xy) with a transfer curve (encoded to linear), sampled
// at 1,024 points.
func MatrixProfile(desc string, prim [3][2]float64, white [2]float64, curve func(float64) float64) []byte {
	return MatrixProfileCurve(desc, prim, white, curve, 1024)
}

// MatrixProfileCurve is MatrixProfile with a curve of the given number of
// points (MatrixProfile's has 1,024), which the three TRC tags share.
func MatrixProfileCurve(desc string, prim [3][2]float64, white [2]float64, curve func(float64) float64, points int) []byte {
	m := rgbToXYZ(prim, white)
	a := bradford(xyToXYZ(white), [3]float64{0.9642, 1.0, 0.8249})
	var colorants [3][3]float64 // per channel: X, Y, Z in D50
	for c := range 3 {
		col := [3]float64{m[0][c], m[1][c], m[2][c]}
		colorants[c] = mulVec(a, col)
	}

	xyz := func(v [3]float64) []byte {
		b := []byte("XYZ \x00\x00\x00\x00")
		for _, x := range v {
			b = binary.BigEndian.AppendUint32(b, uint32(int32(math.Round(x*65536))))
		}
		return b
	}
	descTag := []byte("desc\x00\x00\x00\x00")
	descTag = binary.BigEndian.AppendUint32(descTag, uint32(len(desc)+1))
	descTag = append(descTag, desc...)
	descTag = append(descTag, 0)
	descTag = append(descTag, make([]byte, 4+4+2+1+67)...)
	trc := []byte("curv\x00\x00\x00\x00")
	trc = binary.BigEndian.AppendUint32(trc, uint32(points))
	for i := range points {
		v := curve(float64(i) / float64(points-1))
		trc = binary.BigEndian.AppendUint16(trc, uint16(math.Round(min(max(v, 0), 1)*65535)))
	}
	tags := []struct {
		sig  string
		data []byte
	}{
		{"desc", descTag},
		{"cprt", []byte("text\x00\x00\x00\x00No copyright, use freely\x00")},
		{"wtpt", xyz([3]float64{0.9642, 1.0, 0.8249})},
		{"rXYZ", xyz(colorants[0])},
		{"gXYZ", xyz(colorants[1])},
		{"bXYZ", xyz(colorants[2])},
		{"rTRC", trc}, {"gTRC", trc}, {"bTRC", trc},
	}
	var body bytes.Buffer
	table := binary.BigEndian.AppendUint32(nil, uint32(len(tags)))
	start := 128 + 4 + 12*len(tags)
	offsets := map[string]int{}
	for _, t := range tags {
		off, seen := offsets[string(t.data)]
		if !seen {
			off = start + body.Len()
			offsets[string(t.data)] = off
			body.Write(t.data)
			for body.Len()%4 != 0 {
				body.WriteByte(0)
			}
		}
		table = append(table, t.sig...)
		table = binary.BigEndian.AppendUint32(table, uint32(off))
		table = binary.BigEndian.AppendUint32(table, uint32(len(t.data)))
	}
	size := start + body.Len()
	h := make([]byte, 128)
	binary.BigEndian.PutUint32(h[0:], uint32(size))
	copy(h[4:], "lcms")
	binary.BigEndian.PutUint32(h[8:], 0x02100000)
	copy(h[12:], "mntr")
	copy(h[16:], "RGB ")
	copy(h[20:], "XYZ ")
	binary.BigEndian.PutUint16(h[24:], 2026)
	binary.BigEndian.PutUint16(h[26:], 1)
	binary.BigEndian.PutUint16(h[28:], 1)
	copy(h[36:], "acsp")
	for i, v := range []float64{0.9642, 1.0, 0.8249} {
		binary.BigEndian.PutUint32(h[68+4*i:], uint32(int32(math.Round(v*65536))))
	}
	out := append(h, table...)
	return append(out, body.Bytes()...)
}

func xyToXYZ(xy [2]float64) [3]float64 {
	return [3]float64{xy[0] / xy[1], 1, (1 - xy[0] - xy[1]) / xy[1]}
}

// rgbToXYZ is the matrix taking linear RGB to XYZ for primaries and white.
func rgbToXYZ(prim [3][2]float64, white [2]float64) [3][3]float64 {
	var p [3][3]float64
	for c := range 3 {
		v := xyToXYZ(prim[c])
		for r := range 3 {
			p[r][c] = v[r]
		}
	}
	s := mulVec(inverse(p), xyToXYZ(white))
	for r := range 3 {
		for c := range 3 {
			p[r][c] *= s[c]
		}
	}
	return p
}

// bradford adapts XYZ from white point src to dst.
func bradford(src, dst [3]float64) [3][3]float64 {
	b := [3][3]float64{{0.8951, 0.2664, -0.1614}, {-0.7502, 1.7135, 0.0367}, {0.0389, -0.0685, 1.0296}}
	s, d := mulVec(b, src), mulVec(b, dst)
	var scale [3][3]float64
	for i := range 3 {
		scale[i][i] = d[i] / s[i]
	}
	return mul(inverse(b), mul(scale, b))
}

func mul(a, b [3][3]float64) (c [3][3]float64) {
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

func mulVec(a [3][3]float64, v [3]float64) (out [3]float64) {
	for i := range 3 {
		for k := range 3 {
			out[i] += a[i][k] * v[k]
		}
	}
	return out
}

func inverse(m [3][3]float64) (inv [3][3]float64) {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	for i := range 3 {
		for j := range 3 {
			// Cofactor of (j, i), for the adjugate.
			a, b := (j+1)%3, (j+2)%3
			c, d := (i+1)%3, (i+2)%3
			inv[i][j] = (m[a][c]*m[b][d] - m[a][d]*m[b][c]) / det
		}
	}
	return inv
}
