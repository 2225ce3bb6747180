package imaging

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"
)

// Fit is how an image meets a w×h box.
type Fit string

// The fits. Contain fits inside the box keeping the aspect ratio, Cover
// fills it and crops the overflow at a Gravity, Fill stretches to it.
const (
	Contain Fit = "contain"
	Cover   Fit = "cover"
	Fill    Fit = "fill"
)

// Gravity is the part of the image that Cover keeps: a compass point, or
// the centre.
type Gravity string

// The gravities.
const (
	Center    Gravity = "center"
	North     Gravity = "north"
	South     Gravity = "south"
	East      Gravity = "east"
	West      Gravity = "west"
	Northeast Gravity = "northeast"
	Northwest Gravity = "northwest"
	Southeast Gravity = "southeast"
	Southwest Gravity = "southwest"
)

// Params describe a derived image. The zero value, with Fit and Gravity
// empty, is the identity.
type Params struct {
	// W and H are the output size in pixels, after rotation; 0 leaves a
	// side to the aspect ratio (or, with both 0, the source's size).
	W, H    int
	Fit     Fit
	Gravity Gravity
	// Rotate is clockwise degrees: 0, 90, 180 or 270.
	Rotate       int
	FlipH, FlipV bool
	Grayscale    bool
	// Blur is a Gaussian sigma in output pixels; 0 is none.
	Blur float64
	// OneFrame asks for frame Frame (from 0) of an animation, as a still
	// image; without it, an animation's derived image is an animation.
	Frame    int
	OneFrame bool
	// Depth8 makes a 16-bit source's derived image at 8 bits; without
	// it, it is made and written at 16.
	Depth8 bool
	// KeepHDR keeps an HDR source's derived image HDR (16 bits, the
	// source's cICP) instead of tone-mapping it to SDR sRGB; it changes
	// nothing of an SDR source's.
	KeepHDR bool
	// Palette asks for a paletted output (palette.go); the zero value is
	// lossless.
	Palette Palette
}

// Palette is a derived image's palette step: with any of Colors,
// HasQuality or MaxBytes set, the output is a paletted PNG.
type Palette struct {
	// Colors is the most colours, 2 to 256; 0 is unset (256).
	Colors int
	// Quality (0 to 99) asks for the fewest colours whose output is at
	// least QualityPSNR(Quality) from the lossless one; HasQuality says
	// it is set. 100 and more mean lossless.
	Quality    int
	HasQuality bool
	// Dither is the error diffusion's strength, 0 to 1; DitherSet says
	// it was given (else 1).
	Dither    float64
	DitherSet bool
	// MaxBytes, above 0, asks for the best PNG of at most that many
	// bytes.
	MaxBytes int64
}

// On reports whether the palette step runs.
func (q Palette) On() bool {
	return q.Colors > 0 || (q.HasQuality && q.Quality < 100) || q.MaxBytes > 0
}

// QualityPSNR is the PSNR, in dB, that quality q (0 to 100) asks for:
// 20 + 0.3q, so 60 ("high") is 38 dB and 80 ("very high") 44.
func QualityPSNR(q int) float64 { return 20 + 0.3*float64(q) }

func (q Palette) canonical() Palette {
	if !q.On() {
		return Palette{}
	}
	if q.Colors <= 0 || q.Colors > 256 {
		q.Colors = 256
	}
	q.Colors = max(q.Colors, 2)
	if !q.HasQuality || q.Quality >= 100 {
		q.Quality, q.HasQuality = 0, false
	}
	q.Quality = max(q.Quality, 0)
	if !q.DitherSet || math.IsNaN(q.Dither) {
		q.Dither = 1
	}
	q.Dither, q.DitherSet = min(max(q.Dither, 0), 1), true
	q.MaxBytes = max(q.MaxBytes, 0)
	return q
}

// Canonical returns p with what cannot change the result set to its
// default, so that two Params with the same output compare equal.
func (p Params) Canonical() Params {
	if p.Fit == "" || p.W == 0 || p.H == 0 {
		p.Fit = Contain // with one side or none, every fit keeps the aspect ratio
	}
	if p.Gravity == "" || p.Fit != Cover {
		p.Gravity = Center
	}
	p.Rotate = ((p.Rotate % 360) + 360) % 360
	if p.Blur < 0 || math.IsNaN(p.Blur) {
		p.Blur = 0
	}
	if !p.OneFrame {
		p.Frame = 0
	}
	p.Palette = p.Palette.canonical()
	return p
}

// Identity reports whether p leaves an image as it is.
func (p Params) Identity() bool {
	c := p.Canonical()
	return c.W == 0 && c.H == 0 && c.Rotate == 0 && !c.FlipH && !c.FlipV && !c.Grayscale && c.Blur == 0 && !c.OneFrame && !c.Depth8 && !c.KeepHDR && !c.Palette.On()
}

// String is p's canonical text, the same for every Params with the same
// Canonical form: for instance "w=256,h=0,fit=contain,gravity=center,
// rotate=0,flip=,grayscale=false,blur=0".
func (p Params) String() string {
	c := p.Canonical()
	flip := ""
	if c.FlipH {
		flip += "h"
	}
	if c.FlipV {
		flip += "v"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "w=%d,h=%d,fit=%s,gravity=%s,rotate=%d,flip=%s,grayscale=%t,blur=%s",
		c.W, c.H, c.Fit, c.Gravity, c.Rotate, flip, c.Grayscale, strconv.FormatFloat(c.Blur, 'g', -1, 64))
	if c.OneFrame { // only then: the names of every other derived image stay as they were
		fmt.Fprintf(&b, ",frame=%d", c.Frame)
	}
	if c.Depth8 {
		b.WriteString(",depth=8")
	}
	if c.KeepHDR {
		b.WriteString(",hdr=keep")
	}
	if q := c.Palette; q.On() {
		fmt.Fprintf(&b, ",colors=%d", q.Colors)
		if q.HasQuality {
			fmt.Fprintf(&b, ",quality=%d", q.Quality)
		}
		fmt.Fprintf(&b, ",dither=%s", strconv.FormatFloat(q.Dither, 'g', -1, 64))
		if q.MaxBytes > 0 {
			fmt.Fprintf(&b, ",max_bytes=%d", q.MaxBytes)
		}
	}
	return b.String()
}

// Plan is the geometry of a derived image: the part of the source it is
// made from, the size that part is resampled to, and the output's size.
type Plan struct {
	// Crop is the part of the source used, in source pixels.
	Crop image.Rectangle
	// Resize is the size Crop is resampled to, before rotation.
	Resize image.Point
	// Out is the output's size, after rotation.
	Out image.Point
}

// OutputTooLargeError means a derived image would have more pixels than
// allowed.
type OutputTooLargeError struct {
	W, H float64 // the size the parameters ask for
	Max  int64
}

func (e *OutputTooLargeError) Error() string {
	return fmt.Sprintf("the derived image would be %.0f×%.0f pixels, more than the %d this server makes", e.W, e.H, e.Max)
}

// Plan works out the geometry of p applied to a source of size src. It
// returns *OutputTooLargeError when the output would have more than
// maxPixels pixels.
//
// With rotation by 90 or 270 degrees the resize happens before rotating, so
// it targets H×W. One side given keeps the source's aspect ratio, rounded
// to the nearest pixel and at least 1. Contain scales by the smaller of the
// two ratios; Cover crops the source to the box's aspect ratio at the
// gravity, then scales; Fill scales each axis on its own.
func (p Params) Plan(src image.Point, maxPixels int64) (Plan, error) {
	p = p.Canonical()
	sw, sh := float64(src.X), float64(src.Y)
	tw, th := float64(p.W), float64(p.H)
	if p.Rotate == 90 || p.Rotate == 270 {
		tw, th = th, tw
	}
	crop := image.Rectangle{Max: src}
	var rw, rh float64
	switch {
	case tw == 0 && th == 0:
		rw, rh = sw, sh
	case th == 0:
		rw, rh = tw, math.Max(1, math.Round(sh*tw/sw))
	case tw == 0:
		rw, rh = math.Max(1, math.Round(sw*th/sh)), th
	case p.Fit == Fill:
		rw, rh = tw, th
	case p.Fit == Cover:
		rw, rh = tw, th
		crop = coverCrop(src, tw/th, p.Gravity)
	default: // Contain
		s := math.Min(tw/sw, th/sh)
		rw, rh = math.Max(1, math.Round(sw*s)), math.Max(1, math.Round(sh*s))
	}
	if rw*rh > float64(maxPixels) {
		ow, oh := rw, rh
		if p.Rotate == 90 || p.Rotate == 270 {
			ow, oh = oh, ow
		}
		return Plan{}, &OutputTooLargeError{W: ow, H: oh, Max: maxPixels}
	}
	pl := Plan{Crop: crop, Resize: image.Pt(int(rw), int(rh)), Out: image.Pt(int(rw), int(rh))}
	if p.Rotate == 90 || p.Rotate == 270 {
		pl.Out = image.Pt(pl.Out.Y, pl.Out.X)
	}
	return pl, nil
}

// coverCrop is the largest part of a src-sized image with the aspect ratio
// aspect (width/height), placed at g.
func coverCrop(src image.Point, aspect float64, g Gravity) image.Rectangle {
	cw, ch := src.X, src.Y
	if float64(src.X)/float64(src.Y) > aspect {
		cw = max(1, min(src.X, int(math.Round(float64(src.Y)*aspect))))
	} else {
		ch = max(1, min(src.Y, int(math.Round(float64(src.X)/aspect))))
	}
	x, y := (src.X-cw)/2, (src.Y-ch)/2
	if strings.Contains(string(g), "west") {
		x = 0
	}
	if strings.Contains(string(g), "east") {
		x = src.X - cw
	}
	if strings.HasPrefix(string(g), "north") {
		y = 0
	}
	if strings.HasPrefix(string(g), "south") {
		y = src.Y - ch
	}
	return image.Rect(x, y, x+cw, y+ch)
}

// Bytes is the most memory the steps after the source level allocate: the
// resample from a crop of crop's size (ResampleBytes), the rotated copy,
// the encoder and the encoded bytes kept. Blur and grayscale work in place.
func (pl Plan) Bytes(crop image.Point) int64 {
	out := 4 * int64(pl.Out.X) * int64(pl.Out.Y)
	return ResampleBytes(crop.X, crop.Y, pl.Resize) + out + EncodeBytes(pl.Out.X, pl.Out.Y, 4) + out
}
