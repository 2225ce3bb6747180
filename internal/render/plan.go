// Package render draws numeric vectors and matrices as colour-mapped heatmaps.
//
// A Spec is checked and resolved into a Plan (NewPlan); the Plan names its
// output with a strong entity tag (ETag) before any pixel is drawn, and then
// draws it (Render). Nothing here knows about HTTP.
package render

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image/color"
	"math"

	"github.com/pngd/pngd/internal/imaging"
)

// Limits of a Spec; the API spec declares the same bounds.
const (
	MaxValues = 1 << 20 // values in one image
	MaxSide   = 4096    // pixels along either side of the output
)

// Interpolation says how values between cell centres are drawn.
type Interpolation int

const (
	// Nearest draws each cell as a flat block.
	Nearest Interpolation = iota
	// Bilinear blends the four nearest cell values before colour-mapping.
	Bilinear
)

// Spec is a request for a heatmap.
type Spec struct {
	// Values are laid out row-major; NaN marks a missing value, drawn
	// transparent. Infinities are invalid.
	Values []float64
	// Rows and Cols give the grid; zero means "derive it" (see NewPlan).
	Rows, Cols int
	// Width and Height are the output size in pixels.
	Width, Height int
	// Colormap is one of Colormaps.
	Colormap string
	// Min and Max, when set, are the values drawn with the colormap's first
	// and last colours; by default the data's own range.
	Min, Max      *float64
	Interpolation Interpolation
}

// InvalidError reports a Spec that cannot be drawn. Its message is written
// for the person who sent the request.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// Plan is a checked Spec with every default resolved.
type Plan struct {
	spec       Spec
	rows, cols int
	lo, hi     float64
	palette    color.Palette
	missing    bool // some cell is NaN, or the grid has more cells than values
}

// NewPlan checks s and resolves its defaults. The grid is rows×cols when both
// are given (their product must equal the number of values); with one given,
// the other is ceil(n/given); with neither, cols = ceil(sqrt(n)) and
// rows = ceil(n/cols). Cells past the last value are missing. It returns an
// *InvalidError when s cannot be drawn.
func NewPlan(s Spec) (*Plan, error) {
	n := len(s.Values)
	switch {
	case n == 0:
		return nil, invalid("values must hold at least one number")
	case n > MaxValues:
		return nil, invalid("values holds %d numbers; the limit is %d", n, MaxValues)
	case s.Width < 1 || s.Width > MaxSide || s.Height < 1 || s.Height > MaxSide:
		return nil, invalid("width and height must be between 1 and %d; got %d×%d", MaxSide, s.Width, s.Height)
	case s.Rows < 0 || s.Cols < 0:
		return nil, invalid("rows and cols must be positive")
	}
	p := &Plan{spec: s, palette: palette(s.Colormap)}
	if p.palette == nil {
		return nil, invalid("colormap %q is unknown; use one of %v", s.Colormap, Colormaps)
	}
	if err := p.layout(); err != nil {
		return nil, err
	}
	if err := p.valueRange(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) layout() error {
	n, r, c := len(p.spec.Values), p.spec.Rows, p.spec.Cols
	switch {
	case r > 0 && c > 0:
		if r*c != n {
			return invalid("rows×cols is %d×%d = %d, but there are %d values; they must be equal", r, c, r*c, n)
		}
	case r > 0:
		if r > n {
			return invalid("rows is %d, more than the %d values", r, n)
		}
		c = (n + r - 1) / r
	case c > 0:
		if c > n {
			return invalid("cols is %d, more than the %d values", c, n)
		}
		r = (n + c - 1) / c
	default:
		c = int(math.Ceil(math.Sqrt(float64(n))))
		for c*c < n { // guard against rounding in Sqrt
			c++
		}
		for c > 1 && (c-1)*(c-1) >= n {
			c--
		}
		r = (n + c - 1) / c
	}
	p.rows, p.cols = r, c
	p.missing = r*c > n
	return nil
}

func (p *Plan) valueRange() error {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range p.spec.Values {
		switch {
		case math.IsNaN(v):
			p.missing = true
		case math.IsInf(v, 0):
			return invalid("values[%d] is infinite; values must be finite numbers or null", i)
		default:
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi { // every value is missing
		lo, hi = 0, 1
	}
	for _, b := range []struct {
		name  string
		value *float64
	}{{"min", p.spec.Min}, {"max", p.spec.Max}} {
		if b.value != nil && (math.IsNaN(*b.value) || math.IsInf(*b.value, 0)) {
			return invalid("%s must be a finite number", b.name)
		}
	}
	if p.spec.Min != nil {
		lo = *p.spec.Min
	}
	if p.spec.Max != nil {
		hi = *p.spec.Max
	}
	if lo > hi {
		return invalid("min (%g) is greater than max (%g)", lo, hi)
	}
	p.lo, p.hi = lo, hi
	return nil
}

// Grid returns the resolved rows and columns.
func (p *Plan) Grid() (rows, cols int) { return p.rows, p.cols }

// ETag returns a strong entity tag (RFC 9110 §8.8.3) for the image the plan
// draws. It hashes the resolved, canonical parameters, so requests that differ
// only in spelling (defaults given or not, GET or POST) share one tag.
func (p *Plan) ETag() string {
	h := sha256.New()
	fmt.Fprintf(h, "vector_image/v1 %d %d %d %d %s %d %x %x\n",
		p.rows, p.cols, p.spec.Width, p.spec.Height, p.spec.Colormap,
		p.spec.Interpolation, math.Float64bits(p.lo+0), math.Float64bits(p.hi+0))
	var buf [8 * 512]byte
	vals := p.spec.Values
	for len(vals) > 0 {
		k := min(len(vals), 512)
		for i, v := range vals[:k] {
			bits := math.Float64bits(v + 0) // +0 folds -0 into 0
			if math.IsNaN(v) {
				bits = math.Float64bits(math.NaN())
			}
			binary.LittleEndian.PutUint64(buf[8*i:], bits)
		}
		h.Write(buf[:8*k])
		vals = vals[k:]
	}
	return `"vi-` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// Bytes is the most memory Render and encoding its result take: the
// normalised cells (4 bytes each), the pixel plane, and where cells are
// missing their mask and perhaps an NRGBA copy, then the PNG encoder
// (imaging.EncodeBytes).
func (p *Plan) Bytes() int64 {
	w, h := p.spec.Width, p.spec.Height
	px := int64(w) * int64(h)
	n := 4*int64(p.rows)*int64(p.cols) + px
	bpp := 1
	if p.missing {
		n += px + 4*px
		bpp = 4
	}
	return n + imaging.EncodeBytes(w, h, bpp)
}
