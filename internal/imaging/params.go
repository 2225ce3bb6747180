package imaging

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
)

// Fit is how an image meets a w×h box.
type Fit string

// The fits. Contain fits inside the box keeping the aspect ratio, Cover
// fills it and crops the overflow at a Gravity, Fill stretches to it, and
// Pad fits inside it as Contain does, then fills the rest of the box with
// the background, the picture placed at a Gravity.
const (
	Contain Fit = "contain"
	Cover   Fit = "cover"
	Fill    Fit = "fill"
	Pad     Fit = "pad"
)

// Gravity is the part of the image that Cover keeps, or where Pad places
// the picture: a compass point, the centre, or (Cover only) Smart, the part
// that draws the eye (SmartFocus).
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
	Smart     Gravity = "smart"
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
	// FX and FY, with Focal, are the point that Cover keeps as near the
	// crop's centre as the box allows: fractions (0 to 1) of the stored
	// image's width and height. A focal point overrides Gravity.
	FX, FY float64
	Focal  bool
	// Background, with HasBackground, fills what Pad adds and flattens
	// the output's transparent pixels onto it; without it, what Pad adds
	// is transparent.
	Background    color.NRGBA
	HasBackground bool
	// Trim, with DoTrim, cuts the source's borders of one colour (the
	// top-left pixel's, or transparent) before the other steps: a pixel
	// is border when no channel differs from that colour by more than
	// Trim (0 to 255). See FindTrim.
	Trim   float64
	DoTrim bool
	// Radius rounds the output's corners, in output pixels.
	Radius int
	// Overlay draws another stored image over the output.
	Overlay Overlay
}

// Overlay is another stored image drawn over a derived image: a mark or
// watermark. The zero value is none.
type Overlay struct {
	// ID is the overlay's stored image; empty is none.
	ID string
	// Gravity is where it sits (a compass point or the centre; default
	// Southeast).
	Gravity Gravity
	// Scale is its width as a fraction of the output's (0 to 1; default
	// DefaultOverlayScale).
	Scale float64
	// Opacity is 0 to 1; OpacitySet says it was given (else 1).
	Opacity    float64
	OpacitySet bool
	// Margin is the output pixels between it and the edges its gravity
	// puts it against.
	Margin int
}

// DefaultOverlayScale is an overlay's width, as a fraction of the
// output's, when none is asked for.
const DefaultOverlayScale = 0.25

func (o Overlay) canonical() Overlay {
	if o.ID == "" {
		return Overlay{}
	}
	if o.Gravity == "" || o.Gravity == Smart {
		o.Gravity = Southeast
	}
	if o.Scale <= 0 || math.IsNaN(o.Scale) {
		o.Scale = DefaultOverlayScale
	}
	o.Scale = min(o.Scale, 1)
	if !o.OpacitySet || math.IsNaN(o.Opacity) {
		o.Opacity = 1
	}
	o.Opacity, o.OpacitySet = min(max(o.Opacity, 0), 1), true
	o.Margin = max(o.Margin, 0)
	return o
}

// OverlaySize is the size an overlay of size ov takes in an output of size
// out: o.Scale of its width, the height keeping ov's aspect ratio, shrunk
// to fit inside the margins, at least 1×1.
func (o Overlay) OverlaySize(ov, out image.Point) image.Point {
	o = o.canonical()
	w := o.Scale * float64(out.X)
	h := w * float64(ov.Y) / float64(ov.X)
	room := image.Pt(max(out.X-2*o.Margin, 1), max(out.Y-2*o.Margin, 1))
	if k := math.Min(float64(room.X)/w, float64(room.Y)/h); k < 1 {
		w, h = w*k, h*k
	}
	return image.Pt(max(1, int(math.Round(w))), max(1, int(math.Round(h))))
}

// OverlayPlace is where an overlay of size size sits in an output of
// size out.
func (o Overlay) OverlayPlace(size, out image.Point) image.Rectangle {
	o = o.canonical()
	r := place(image.Pt(out.X-2*o.Margin, out.Y-2*o.Margin), size, o.Gravity)
	return r.Add(image.Pt(o.Margin, o.Margin))
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
	if p.Gravity == "" || (p.Fit != Cover && p.Fit != Pad) || (p.Fit == Pad && p.Gravity == Smart) {
		p.Gravity = Center
	}
	if p.Fit != Cover || math.IsNaN(p.FX) || math.IsNaN(p.FY) {
		p.Focal = false
	}
	if p.Focal {
		p.Gravity = Center // the focal point decides
		p.FX, p.FY = min(max(p.FX, 0), 1), min(max(p.FY, 0), 1)
	} else {
		p.FX, p.FY = 0, 0
	}
	if !p.HasBackground {
		p.Background = color.NRGBA{}
	}
	if !p.DoTrim || math.IsNaN(p.Trim) {
		p.Trim, p.DoTrim = 0, false
	}
	p.Trim = min(max(p.Trim, 0), 255)
	p.Radius = max(p.Radius, 0)
	p.Overlay = p.Overlay.canonical()
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
	return c.W == 0 && c.H == 0 && c.Rotate == 0 && !c.FlipH && !c.FlipV && !c.Grayscale && c.Blur == 0 && !c.OneFrame && !c.Depth8 && !c.KeepHDR && !c.Palette.On() &&
		!c.HasBackground && !c.DoTrim && c.Radius == 0 && c.Overlay.ID == ""
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
	// Each of these only when set, so that the names of derived images
	// made before they existed stay the same.
	if c.Focal {
		fmt.Fprintf(&b, ",fx=%s,fy=%s", strconv.FormatFloat(c.FX, 'g', -1, 64), strconv.FormatFloat(c.FY, 'g', -1, 64))
	}
	if c.HasBackground {
		bg := c.Background
		fmt.Fprintf(&b, ",background=%02x%02x%02x%02x", bg.R, bg.G, bg.B, bg.A)
	}
	if c.DoTrim {
		fmt.Fprintf(&b, ",trim=%s", strconv.FormatFloat(c.Trim, 'g', -1, 64))
	}
	if c.Radius > 0 {
		fmt.Fprintf(&b, ",radius=%d", c.Radius)
	}
	if o := c.Overlay; o.ID != "" {
		fmt.Fprintf(&b, ",overlay=%s,overlay_gravity=%s,overlay_scale=%s,overlay_opacity=%s,overlay_margin=%d", o.ID, o.Gravity,
			strconv.FormatFloat(o.Scale, 'g', -1, 64), strconv.FormatFloat(o.Opacity, 'g', -1, 64), o.Margin)
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
	// Out is the output's size, after rotation and padding.
	Out image.Point
	// Place is where the resized and rotated picture sits in Out: all of
	// it, unless Pad padded it.
	Place image.Rectangle
	// Overlay is the overlay, premultiplied and resampled to its size in
	// the output, and OverlayAt where it sits; nil without one. The
	// library loads it (Params.Overlay says which).
	Overlay   *image.RGBA
	OverlayAt image.Rectangle
}

// Padded reports whether the picture fills less than the output.
func (pl Plan) Padded() bool { return pl.Place != image.Rectangle{Max: pl.Out} }

// Content is what a plan learns from the source's pixels.
type Content struct {
	// Trim is the part of the source that trim leaves, in source pixels;
	// empty is the whole source.
	Trim image.Rectangle
	// FocusX and FocusY, with Focus, are the point that a smart crop
	// centres on, as fractions of the source's width and height.
	FocusX, FocusY float64
	Focus          bool
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

// Plan works out the geometry of p applied to a source of size src, as
// PlanContent does before anything is known of its pixels: no trim, and a
// smart crop at the centre (its size is the same wherever it is placed).
func (p Params) Plan(src image.Point, maxPixels int64) (Plan, error) {
	return p.PlanContent(src, Content{}, maxPixels)
}

// PlanContent works out the geometry of p applied to a source of size src
// of which c is known. It returns *OutputTooLargeError when the output
// would have more than maxPixels pixels.
//
// Trim first narrows the source to c.Trim. With rotation by 90 or 270
// degrees the resize happens before rotating, so it targets H×W. One side
// given keeps the source's aspect ratio, rounded to the nearest pixel and
// at least 1. Contain scales by the smaller of the two ratios; Cover crops
// the source to the box's aspect ratio, centred on the focal point (or
// c's focus for a smart crop) as near as the source allows, or at the
// gravity, then scales; Fill scales each axis on its own; Pad scales as
// Contain, then places the picture in the box at the gravity.
func (p Params) PlanContent(src image.Point, c Content, maxPixels int64) (Plan, error) {
	p = p.Canonical()
	base := image.Rectangle{Max: src}
	if t := c.Trim.Intersect(base); !t.Empty() {
		base = t
	}
	sw, sh := float64(base.Dx()), float64(base.Dy())
	tw, th := float64(p.W), float64(p.H)
	if p.Rotate == 90 || p.Rotate == 270 {
		tw, th = th, tw
	}
	crop := base
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
		var focus *[2]float64
		switch {
		case p.Focal:
			focus = &[2]float64{p.FX*float64(src.X) - float64(base.Min.X), p.FY*float64(src.Y) - float64(base.Min.Y)}
		case p.Gravity == Smart && c.Focus:
			focus = &[2]float64{c.FocusX*float64(src.X) - float64(base.Min.X), c.FocusY*float64(src.Y) - float64(base.Min.Y)}
		}
		crop = coverCrop(base.Size(), tw/th, p.Gravity, focus).Add(base.Min)
	default: // Contain, Pad
		s := math.Min(tw/sw, th/sh)
		rw, rh = math.Max(1, math.Round(sw*s)), math.Max(1, math.Round(sh*s))
	}
	ow, oh := rw, rh
	if p.Rotate == 90 || p.Rotate == 270 {
		ow, oh = oh, ow
	}
	if rw*rh > float64(maxPixels) {
		return Plan{}, &OutputTooLargeError{W: ow, H: oh, Max: maxPixels}
	}
	pl := Plan{Crop: crop, Resize: image.Pt(int(rw), int(rh)), Out: image.Pt(int(ow), int(oh))}
	pl.Place = image.Rectangle{Max: pl.Out}
	if p.Fit == Pad && (pl.Out.X < p.W || pl.Out.Y < p.H) {
		if float64(p.W)*float64(p.H) > float64(maxPixels) {
			return Plan{}, &OutputTooLargeError{W: float64(p.W), H: float64(p.H), Max: maxPixels}
		}
		box := image.Pt(p.W, p.H)
		pl.Place = place(box, pl.Out, p.Gravity)
		pl.Out = box
	}
	return pl, nil
}

// place is where a picture of size in sits in a box of size box at g.
func place(box, in image.Point, g Gravity) image.Rectangle {
	x, y := (box.X-in.X)/2, (box.Y-in.Y)/2
	if strings.Contains(string(g), "west") {
		x = 0
	}
	if strings.Contains(string(g), "east") {
		x = box.X - in.X
	}
	if strings.HasPrefix(string(g), "north") {
		y = 0
	}
	if strings.HasPrefix(string(g), "south") {
		y = box.Y - in.Y
	}
	return image.Rectangle{Min: image.Pt(x, y), Max: image.Pt(x+in.X, y+in.Y)}
}

// coverCrop is the largest part of a src-sized image with the aspect ratio
// aspect (width/height), centred on focus (in src's pixels) as near as src
// allows, or without one placed at g.
func coverCrop(src image.Point, aspect float64, g Gravity, focus *[2]float64) image.Rectangle {
	cw, ch := src.X, src.Y
	if float64(src.X)/float64(src.Y) > aspect {
		cw = max(1, min(src.X, int(math.Round(float64(src.Y)*aspect))))
	} else {
		ch = max(1, min(src.Y, int(math.Round(float64(src.X)/aspect))))
	}
	if focus != nil {
		x := min(max(int(math.Round(focus[0]-float64(cw)/2)), 0), src.X-cw)
		y := min(max(int(math.Round(focus[1]-float64(ch)/2)), 0), src.Y-ch)
		return image.Rect(x, y, x+cw, y+ch)
	}
	return place(src, image.Pt(cw, ch), g)
}

// Bytes is the most memory the steps after the source level allocate: the
// resample from a crop of crop's size (ResampleBytes), the rotated copy,
// the padded canvas, the encoder and the encoded bytes kept. Flattening,
// rounding the corners, blur and grayscale work in place.
func (pl Plan) Bytes(crop image.Point) int64 {
	out := 4 * int64(pl.Out.X) * int64(pl.Out.Y)
	n := ResampleBytes(crop.X, crop.Y, pl.Resize) + out + EncodeBytes(pl.Out.X, pl.Out.Y, 4) + out
	if pl.Padded() {
		n += out
	}
	return n
}
