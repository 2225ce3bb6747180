// Package colour reads ICC profiles and converts pixels from them to sRGB.
//
// Profiles are parsed and their transforms built by
// github.com/kovidgoyal/imaging's ICC code (pure Go, v2 and v4 profiles,
// matrix/TRC and LUT based, tested against Little CMS pixel by pixel).
// Evaluating its transform per pixel costs a chain of float operations, so
// each profile's transform is sampled once into a lookup table, and pixels
// are converted by interpolating in it: tetrahedral interpolation in a
// 33-point grid for RGB, as Little CMS does for 8-bit transforms.
package colour

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kovidgoyal/imaging/prism/meta/icc"
	"github.com/maypok86/otter/v2"
)

// Intent is the rendering intent of every conversion: perceptual, Little
// CMS's and jpgicc's default, with black point compensation (which Little
// CMS applies to perceptual transforms of its own accord, and which maps a
// printer's black to sRGB's). For the matrix/TRC profiles of cameras and
// phones (Display P3, Adobe RGB) perceptual is relative colorimetric:
// colours outside sRGB are clipped.
const Intent = icc.PerceptualRenderingIntent

// IntentName names Intent for people.
const IntentName = "perceptual"

// MaxProfileBytes bounds an embedded profile. Real ones are under 1 MiB
// (a printer's CMYK profile with large tables is the biggest kind); a PNG's
// compressed iCCP is inflated no further than this.
const MaxProfileBytes = 4 << 20

// MaxCurvePoints bounds the points of every curve a profile's transform
// reads, added up over every use: three TRC tags that share one curve
// count it three times, as the parser reads it three times. Cameras and
// phones write curves of up to 4,096 points, and printer profiles a few
// dozen curves of that size; the ICC parser's time and memory grow with
// the count (a shared 2,000,000-point curve: 38 MB and up to seconds of
// CPU), so a profile past it is refused, and its image stored as sRGB.
const MaxCurvePoints = 1 << 17

// ParseBytes is the most memory Parse allocates for a profile of n bytes,
// measured (TestParseBytes) over profiles of the largest curves, tags and
// tables it accepts.
func ParseBytes(n int) int64 { return 4*int64(n) + 4<<20 }

// Profile is an ICC profile an image carried.
type Profile struct {
	// Data is the profile, byte for byte.
	Data []byte
	// Description is the profile's own name for itself (its desc tag).
	Description string
	// Space is the colour space of the pixels it describes: "RGB",
	// "GRAY", "CMYK" and so on.
	Space string

	p    *icc.Profile
	srgb bool
	// hdr is set for HDR pixels (HDRProfile), which have no ICC profile.
	hdr *HDR
}

// ErrProfile means bytes that are not an ICC profile this package reads.
var ErrProfile = errors.New("not a usable ICC profile")

// parsed keeps the profiles parsed last, by their SHA-256, up to 16 MiB of
// profile bytes: an image's profile is parsed again each time its
// original is decoded, and a page of images shares a few.
var parsed = otter.Must(&otter.Options[[sha256.Size]byte, *Profile]{
	MaximumWeight: 16 << 20,
	Weigher:       func(_ [sha256.Size]byte, p *Profile) uint32 { return uint32(len(p.Data)) },
})

// Parse reads an ICC profile, or returns the one parsed before from the
// same bytes. The Profile is shared: callers do not change it.
func Parse(data []byte) (*Profile, error) {
	if len(data) < 128 || len(data) > MaxProfileBytes {
		return nil, ErrProfile
	}
	key := sha256.Sum256(data)
	if p, ok := parsed.GetIfPresent(key); ok {
		return p, nil
	}
	p, err := parse(data)
	if err != nil {
		return nil, err
	}
	parsed.Set(key, p)
	return p, nil
}

func parse(data []byte) (p *Profile, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: %v", ErrProfile, r)
		}
	}()
	if err := sane(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProfile, err)
	}
	ip, err := icc.DecodeProfile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProfile, err)
	}
	p = &Profile{Data: data, p: ip, Space: space(ip.Header.DataColorSpace)}
	if d, err := ip.Description(); err == nil {
		p.Description = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(d, "\x00", ""), ""))
	}
	switch p.Space {
	case "RGB", "GRAY", "CMYK":
	default:
		return nil, fmt.Errorf("%w: pixels in %s", ErrProfile, p.Space)
	}
	p.srgb = p.Space == "RGB" && ip.IsSRGB()
	return p, nil
}

// sane checks what the ICC parser trusts before it allocates: the size in
// the header, the tag table, and the point count of every curve it will
// read (a tag's own, and those of lutAtoB and lutBtoA tags). A hostile
// profile of a few hundred bytes could otherwise have it allocate
// gigabytes (a tag table of 2³² entries, a curve of 2³² points), which Go
// cannot recover from. Nothing is refused that the parser would read: a
// curve longer than its tag fails there too, after allocating.
func sane(data []byte) error {
	be := binary.BigEndian
	size := int64(be.Uint32(data))
	if size < 132 || size > int64(len(data)) {
		return fmt.Errorf("the header's size %d is not the profile's %d bytes", size, len(data))
	}
	count := int64(be.Uint32(data[128:]))
	if count > 1024 || 132+12*count > size {
		return fmt.Errorf("a tag table of %d entries", count)
	}
	var points int64
	for i := range count {
		e := data[132+12*i:]
		off, n := int64(be.Uint32(e[4:])), int64(be.Uint32(e[8:]))
		if off < 132+12*count || off+n > size {
			return fmt.Errorf("tag %d lies outside the profile", i)
		}
		tag := data[off : off+n]
		if len(tag) < 4 {
			continue
		}
		switch string(tag[:4]) {
		case "curv", "para":
			n, err := curveSize(tag)
			if err != nil {
				return fmt.Errorf("tag %d: %w", i, err)
			}
			points += n / 2
		case "mAB ", "mBA ":
			n, err := saneLutAB(tag)
			if err != nil {
				return fmt.Errorf("tag %d: %w", i, err)
			}
			points += n
		}
		if points > MaxCurvePoints {
			return fmt.Errorf("curves of more than %d points in all", MaxCurvePoints)
		}
	}
	return nil
}

// curveSize is the bytes a curv or para element at the start of b takes,
// checked against b's length.
func curveSize(b []byte) (int64, error) {
	if len(b) < 12 {
		return 0, errors.New("a short curve")
	}
	var n int64
	switch string(b[:4]) {
	case "curv":
		n = 12 + 2*int64(binary.BigEndian.Uint32(b[8:]))
	case "para":
		params := map[uint16]int64{0: 1, 1: 3, 2: 4, 3: 5, 4: 7}[binary.BigEndian.Uint16(b[8:])]
		n = 12 + 4*params
	default:
		return 0, errors.New("not a curve")
	}
	if n > int64(len(b)) {
		return 0, fmt.Errorf("a curve of %d bytes in %d", n, len(b))
	}
	return (n + 3) &^ 3, nil
}

// saneLutAB checks the curves of a lutAtoB or lutBtoA tag (after its
// header, the offsets of its B, matrix, M, CLUT and A parts), and returns
// about how many points they have (a curve's bytes over 2).
func saneLutAB(tag []byte) (points int64, err error) {
	if len(tag) < 32 {
		return 0, errors.New("a short lut tag")
	}
	in, out := int(tag[8]), int(tag[9])
	if in > 15 || out > 15 {
		return 0, errors.New("a lut of more than 15 channels")
	}
	bCurves, aCurves := out, in
	if string(tag[:4]) == "mBA " {
		bCurves, aCurves = in, out
	}
	be := binary.BigEndian
	for _, part := range []struct {
		off    uint32
		curves int
	}{{be.Uint32(tag[12:]), bCurves}, {be.Uint32(tag[20:]), bCurves}, {be.Uint32(tag[28:]), aCurves}} {
		if part.off == 0 {
			continue
		}
		pos := int64(part.off)
		for range part.curves {
			if pos >= int64(len(tag)) {
				return 0, errors.New("a lut's curves lie outside it")
			}
			n, err := curveSize(tag[pos:])
			if err != nil {
				return 0, err
			}
			pos += n
			points += n / 2
		}
	}
	return points, nil
}

func space(cs icc.ColorSpace) string {
	b := []byte{byte(cs >> 24), byte(cs >> 16), byte(cs >> 8), byte(cs)}
	s := strings.ToUpper(strings.TrimSpace(string(b)))
	if s == "" {
		return "unknown"
	}
	return s
}

// IsSRGB reports whether p describes sRGB, so that its pixels need no
// conversion.
func (p *Profile) IsSRGB() bool { return p.srgb }

// fogra39 is a CMYK profile for offset printing on coated paper (ISO
// 12647-2, the condition of ISO Coated v2), made by ArgyllCMS's colprof
// from the FOGRA39L characterisation data in Debian's icc-profiles-free
// (zlib licence): make-fogra39.sh.
//
//go:embed fogra39.icc
var fogra39 []byte

// DefaultCMYK is the profile of CMYK images that carry none: FOGRA39,
// the standard for offset print in Europe, and what Photoshop's default
// (ISO Coated v2) and GIMP's are based on.
func DefaultCMYK() *Profile {
	defaultCMYK.once.Do(func() {
		var err error
		if defaultCMYK.p, err = Parse(fogra39); err != nil {
			panic("colour: the embedded CMYK profile does not parse: " + err.Error())
		}
	})
	return defaultCMYK.p
}

var defaultCMYK struct {
	once sync.Once
	p    *Profile
}

// Transform converts pixels from one profile to sRGB through a lookup table.
type Transform struct {
	in int // input channels: 1, 3 or 4
	n  int // grid points along each input axis
	// sep is set for a transform that is a sum of one function of each
	// channel (see separable): the exact, faster path.
	sep *[3][256][3]int32
	// lt holds n^in nodes × 3 outputs in linear light, 65535 for 1.0,
	// unclamped. Interpolating linear values (which a matrix profile
	// makes of its input by a matrix) and encoding them for sRGB after,
	// is far closer than interpolating sRGB's steep curve near black;
	// and colours outside sRGB are clipped after interpolating, so that
	// the table samples a smooth function, without the kinks clipping
	// makes.
	lt []int32
	// grid[v] is where input level v falls: its node below and the
	// fraction of the way to the next, in 1/65536.
	grid [256]struct{ i, f int32 }
}

// Grid sizes: 33 points per RGB axis, as Little CMS uses for 8-bit
// transforms; 17 per CMYK axis (83,521 nodes); every level for grey.
const (
	gridRGB  = 33
	gridCMYK = 17
)

// transforms keeps the last 16 tables built: at most 16 MiB (an RGB table
// is 431 KiB, a CMYK one 1 MiB).
var transforms = otter.Must(&otter.Options[[sha256.Size]byte, *Transform]{MaximumSize: 16})

var building sync.Mutex

// ToSRGB returns p's transform to sRGB, built once per profile: sampling it
// costs about 36,000 (RGB) or 84,000 (CMYK) evaluations of the profile's
// pipeline, 5 to 20 milliseconds.
func (p *Profile) ToSRGB() (*Transform, error) {
	if p.hdr != nil {
		var mastered uint32 // the mastering display's peak, which the tone mapping may use
		if p.hdr.Mastering != nil {
			mastered = p.hdr.Mastering.MaxLuminance
		}
		key := sha256.Sum256(fmt.Appendf(nil, "hdr %v %g %d", p.hdr.CICP, p.hdr.PeakNits, mastered))
		if t, ok := transforms.GetIfPresent(key); ok {
			return t, nil
		}
		t := hdrTransform(*p.hdr)
		transforms.Set(key, t)
		return t, nil
	}
	key := sha256.Sum256(p.Data)
	if t, ok := transforms.GetIfPresent(key); ok {
		return t, nil
	}
	building.Lock()
	defer building.Unlock()
	if t, ok := transforms.GetIfPresent(key); ok {
		return t, nil
	}
	t, err := p.build()
	if err != nil {
		return nil, err
	}
	transforms.Set(key, t)
	return t, nil
}

func (p *Profile) build() (t *Transform, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("%w: %v", ErrProfile, r)
		}
	}()
	in := map[string]int{"GRAY": 1, "RGB": 3, "CMYK": 4}[p.Space]
	pl, err := p.p.CreateTransformerToSRGB(Intent, true, in, false, false, true)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProfile, err)
	}
	n := map[int]int{1: 256, 3: gridRGB, 4: gridCMYK}[in]
	nodes := 1
	for range in {
		nodes *= n
	}
	t = &Transform{in: in, n: n, lt: make([]int32, 3*nodes)}
	for v := range 256 {
		pos := v * (n - 1)
		t.grid[v].i = int32(pos / 255)
		t.grid[v].f = int32((pos % 255) * 65536 / 255)
	}
	// The table's axes from the fastest-varying: blue (or yellow)
	// first; for CMYK, K last, so that each K level is one RGB-like cube.
	axes := map[int][]int{1: {0}, 3: {2, 1, 0}, 4: {2, 1, 0, 3}}[in]
	// Sample the pipeline at every node, in parallel bands.
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	// A hostile profile's transform can panic; in a worker that would
	// end the process, so each worker recovers and reports it.
	var crashed atomic.Value
	for w := range workers {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					crashed.Store(fmt.Sprint(r))
				}
			}()
			var inp, out [4]float64
			for node := w; node < nodes; node += workers {
				rest := node
				for _, c := range axes {
					inp[c] = float64(rest%n) / float64(n-1)
					rest /= n
				}
				pl.TransformGeneral(out[:], inp[:])
				for c := range 3 {
					// Far outside sRGB, clipping makes the value 0 or
					// 65535 anyway; ±8 keeps the products in int64.
					t.lt[3*node+c] = int32(math.Round(min(max(linear(out[c]), -8), 8) * 65535))
				}
			}
		})
	}
	wg.Wait()
	if r := crashed.Load(); r != nil {
		return nil, fmt.Errorf("%w: %v", ErrProfile, r)
	}
	if in == 3 {
		t.sep = separable(pl)
	}
	return t, nil
}

// separable returns, for a transform that is a sum of one function of
// each channel in linear light (a matrix/TRC profile: curves, then a
// matrix), each channel's table: out = sep[0][r] + sep[1][g] + sep[2][b],
// exactly, which costs three lookups and additions a pixel where the
// 3-D table costs an interpolation. It checks that on 4,096 random colours
// and the corners, to within 1/8192 of full scale, and returns nil for a
// transform that is not (a LUT profile).
func separable(pl *icc.Pipeline) *[3][256][3]int32 {
	var in, out [4]float64
	at := func(r, g, b int) [3]float64 {
		in = [4]float64{float64(r) / 255, float64(g) / 255, float64(b) / 255}
		pl.TransformGeneral(out[:], in[:])
		return [3]float64{linear(out[0]), linear(out[1]), linear(out[2])}
	}
	black := at(0, 0, 0)
	var f [3][256][3]float64
	for v := range 256 {
		f[0][v], f[1][v], f[2][v] = at(v, 0, 0), at(0, v, 0), at(0, 0, v)
		for c := range 3 {
			// Black counts once, not three times.
			f[1][v][c] -= black[c]
			f[2][v][c] -= black[c]
		}
	}
	rng := uint32(2463534242)
	next := func() int {
		rng ^= rng << 13
		rng ^= rng >> 17
		rng ^= rng << 5
		return int(rng & 255)
	}
	for i := range 4096 + 8 {
		r, g, b := next(), next(), next()
		if i >= 4096 { // the corners
			r, g, b = 255*(i&1), 255*(i>>1&1), 255*(i>>2&1)
		}
		want := at(r, g, b)
		for c := range 3 {
			if got := f[0][r][c] + f[1][g][c] + f[2][b][c]; math.Abs(got-want[c]) > 1.0/8192 || math.IsNaN(got) {
				return nil
			}
		}
	}
	var sep [3][256][3]int32
	for ch := range 3 {
		for v := range 256 {
			for c := range 3 {
				sep[ch][v][c] = int32(math.Round(min(max(f[ch][v][c], -8), 8) * 65535))
			}
		}
	}
	return &sep
}

// lookup3 interpolates the RGB table at (r, g, b).
func (t *Transform) lookup3(r, g, b uint8) (uint8, uint8, uint8) {
	v := t.sub3(0, r, g, b)
	return to8(v[0]), to8(v[1]), to8(v[2])
}

// to8 encodes a 16.16 fixed-point linear level (65535 is 1.0) for sRGB
// at 8 bits, clipping what lies outside.
func to8(v int64) uint8 {
	return encode[min(max((v+1<<15)>>16, 0), 65535)]
}

// encode is sRGB's transfer function from 16-bit linear to 8 bits.
var encode = func() (e [65536]uint8) {
	for i := range e {
		e[i] = uint8(math.Round(srgb(float64(i)/65535) * 255))
	}
	return e
}()

// srgb is sRGB's transfer function, linear light to encoded, on [0, 1].
func srgb(v float64) float64 {
	if v <= 0.0031308 {
		return v * 12.92
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

// linear undoes sRGB's transfer function, extended beyond [0, 1] as the
// pipeline's unclamped output is (linearly below 0, by the power above 1).
func linear(v float64) float64 {
	switch {
	case v <= 0.04045:
		return v / 12.92
	default:
		return math.Pow((v+0.055)/1.055, 2.4)
	}
}

// ApplyRGBA converts m's pixels to sRGB in place, m being in the
// transform's RGB (or grey, each pixel's red channel read) colour space.
// Translucent pixels are un-premultiplied for the conversion.
func (t *Transform) ApplyRGBA(m *image.RGBA) {
	if t.in == 4 {
		panic("colour: a CMYK transform applied to RGBA")
	}
	rows(m.Rect.Dy(), func(y0, y1 int) {
		w := m.Rect.Dx()
		for y := y0; y < y1; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for i := 0; i < len(row); i += 4 {
				px := row[i : i+4 : i+4]
				a := px[3]
				if a == 0 {
					continue
				}
				r, g, b := px[0], px[1], px[2]
				if a != 255 {
					r, g, b = unpremul(r, a), unpremul(g, a), unpremul(b, a)
				}
				r, g, b = t.rgb(r, g, b)
				if a != 255 {
					r, g, b = premul(r, a), premul(g, a), premul(b, a)
				}
				px[0], px[1], px[2] = r, g, b
			}
		}
	})
}

func (t *Transform) rgb(r, g, b uint8) (uint8, uint8, uint8) {
	if t.in == 1 {
		o := 3 * int(r)
		return to8(int64(t.lt[o]) << 16), to8(int64(t.lt[o+1]) << 16), to8(int64(t.lt[o+2]) << 16)
	}
	if sep := t.sep; sep != nil {
		a, b2, c := &sep[0][r], &sep[1][g], &sep[2][b]
		return to8(int64(a[0]+b2[0]+c[0]) << 16), to8(int64(a[1]+b2[1]+c[1]) << 16), to8(int64(a[2]+b2[2]+c[2]) << 16)
	}
	return t.lookup3(r, g, b)
}

// CMYKToRGBA converts a CMYK image (Go's image.CMYK: 0 is no ink) to
// sRGB through a CMYK transform.
func (t *Transform) CMYKToRGBA(m *image.CMYK) *image.RGBA {
	if t.in != 4 {
		panic("colour: CMYKToRGBA needs a CMYK transform")
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	rows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			src := m.Pix[(y)*m.Stride : (y)*m.Stride+4*w]
			d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for i := 0; i < len(src); i += 4 {
				r, g, b := t.lookup4(src[i], src[i+1], src[i+2], src[i+3])
				d[i], d[i+1], d[i+2], d[i+3] = r, g, b, 255
			}
		}
	})
	return dst
}

// lookup4 interpolates the CMYK table: tetrahedrally in C, M and Y at the
// two K planes around k, then linearly between them.
func (t *Transform) lookup4(c, m, y, k uint8) (uint8, uint8, uint8) {
	n := int32(t.n)
	kk := t.grid[k]
	plane := n * n * n * 3
	lo := t.sub3(kk.i*plane, c, m, y)
	if kk.f == 0 {
		return to8(lo[0]), to8(lo[1]), to8(lo[2])
	}
	hi := t.sub3((kk.i+1)*plane, c, m, y)
	var out [3]uint8
	for i := range 3 {
		// lo and hi are 16.16; blend with the 1/65536 fraction in 64 bits.
		out[i] = to8(lo[i] + ((hi[i]-lo[i])*int64(kk.f))>>16)
	}
	return out[0], out[1], out[2]
}

// sub3 interpolates tetrahedrally the 3-D table at offset off (the whole
// RGB table, or one K plane of the CMYK one), returning 16.16 fixed-point
// outputs.
func (t *Transform) sub3(off int32, r, g, b uint8) [3]int64 {
	n := int32(t.n)
	x, y, z := t.grid[r], t.grid[g], t.grid[b]
	fx, fy, fz := x.f, y.f, z.f
	base := off + ((x.i*n+y.i)*n+z.i)*3
	// Steps to the next node along each axis (none at the last node,
	// where the fraction is zero).
	var dx, dy, dz int32
	if fx > 0 {
		dx = n * n * 3
	}
	if fy > 0 {
		dy = n * 3
	}
	if fz > 0 {
		dz = 3
	}
	// The tetrahedron holding the point: walk from c000 to c111 along
	// the axes in order of decreasing fraction.
	var a1, a2, f1, f2, f3 int32
	switch {
	case fx >= fy && fy >= fz:
		a1, a2, f1, f2, f3 = dx, dx+dy, fx, fy, fz
	case fx >= fz && fz >= fy:
		a1, a2, f1, f2, f3 = dx, dx+dz, fx, fz, fy
	case fz >= fx && fx >= fy:
		a1, a2, f1, f2, f3 = dz, dz+dx, fz, fx, fy
	case fy >= fx && fx >= fz:
		a1, a2, f1, f2, f3 = dy, dy+dx, fy, fx, fz
	case fy >= fz && fz >= fx:
		a1, a2, f1, f2, f3 = dy, dy+dz, fy, fz, fx
	default: // fz >= fy >= fx
		a1, a2, f1, f2, f3 = dz, dz+dy, fz, fy, fx
	}
	a3 := dx + dy + dz
	var out [3]int64
	for c := range int32(3) {
		c0 := int64(t.lt[base+c])
		c1 := int64(t.lt[base+a1+c])
		c2 := int64(t.lt[base+a2+c])
		c3 := int64(t.lt[base+a3+c])
		out[c] = c0<<16 + (c1-c0)*int64(f1) + (c2-c1)*int64(f2) + (c3-c2)*int64(f3)
	}
	return out
}

func unpremul(v, a uint8) uint8 { return uint8(min(255, (uint32(v)*255+uint32(a)/2)/uint32(a))) }
func premul(v, a uint8) uint8   { return uint8((uint32(v)*uint32(a) + 127) / 255) }

// rows runs f over bands of h rows on every core.
func rows(h int, f func(y0, y1 int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), h/32))
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { f(h*i/workers, h*(i+1)/workers) })
	}
	wg.Wait()
}

// encode16 is sRGB's transfer function from 16-bit linear to 16 bits.
var encode16 = sync.OnceValue(func() *[65536]uint16 {
	var e [65536]uint16
	for i := range e {
		e[i] = uint16(math.Round(srgb(float64(i)/65535) * 65535))
	}
	return &e
})

// ApplyRGBA16 converts premultiplied 16-bit RGBA pixels (rows of 4
// channels) to sRGB in place, at 16 bits through a separable transform
// (interpolating its tables between 8-bit nodes) or a grey one; a 3-D
// table's transform goes through 8 bits.
func (t *Transform) ApplyRGBA16(pix []uint16) {
	if t.in == 4 {
		panic("colour: a CMYK transform applied to RGBA")
	}
	enc := encode16()
	// lin interpolates channel table tab (256 nodes × 3 outputs) at a
	// 16-bit level, for output c, in 1/65535 of linear light.
	lin := func(tab *[256][3]int32, v uint16, c int) int64 {
		pos := uint32(v) * 255 // in 1/65535 of a node
		i, f := pos/65535, int64(pos%65535)
		lo := int64(tab[i][c])
		if f == 0 {
			return lo
		}
		return lo + (int64(tab[i+1][c])-lo)*f/65535
	}
	grey := func(v uint16, c int) int64 {
		pos := uint32(v) * 255
		i, f := pos/65535, int64(pos%65535)
		lo := int64(t.lt[3*i+uint32(c)])
		if f == 0 {
			return lo
		}
		return lo + (int64(t.lt[3*(i+1)+uint32(c)])-lo)*f/65535
	}
	rows(len(pix)/4, func(p0, p1 int) { // bands of pixels, on every core
		for i := 4 * p0; i < 4*p1; i += 4 {
			px := pix[i : i+4 : i+4]
			a := uint32(px[3])
			if a == 0 {
				continue
			}
			var in [3]uint16
			for c := range 3 {
				in[c] = px[c]
				if a != 65535 {
					in[c] = uint16(min(65535, (uint32(px[c])*65535+a/2)/a))
				}
			}
			var out [3]uint16
			switch {
			case t.sep != nil:
				for c := range 3 {
					v := lin(&t.sep[0], in[0], c) + lin(&t.sep[1], in[1], c) + lin(&t.sep[2], in[2], c)
					out[c] = enc[min(max(v, 0), 65535)]
				}
			case t.in == 1:
				for c := range 3 {
					out[c] = enc[min(max(grey(in[0], c), 0), 65535)]
				}
			default:
				r, g, b := t.lookup3(uint8(in[0]>>8), uint8(in[1]>>8), uint8(in[2]>>8))
				out = [3]uint16{uint16(r) * 257, uint16(g) * 257, uint16(b) * 257}
			}
			for c := range 3 {
				if a != 65535 {
					out[c] = uint16((uint32(out[c])*a + 32767) / 65535)
				}
				px[c] = out[c]
			}
		}
	})
}
