// Package colourtest makes what colour tests need and Debian does not ship:
// a Display P3 ICC profile, and images that carry profiles.
package colourtest

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
	return matrixProfile("Display P3",
		[3][2]float64{{0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}}, [2]float64{0.3127, 0.3290})
}

// matrixProfile writes a v2 display profile of RGB primaries and white
// point (CIE xy) with the sRGB curve.
func matrixProfile(desc string, prim [3][2]float64, white [2]float64) []byte {
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
	curve := []byte("curv\x00\x00\x00\x00")
	const points = 1024
	curve = binary.BigEndian.AppendUint32(curve, points)
	for i := range points {
		v := float64(i) / (points - 1)
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		curve = binary.BigEndian.AppendUint16(curve, uint16(math.Round(v*65535)))
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
		{"rTRC", curve}, {"gTRC", curve}, {"bTRC", curve},
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
