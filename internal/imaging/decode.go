package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"time"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/pngenc"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// Format is an image format pngd reads.
type Format string

// The formats Decode reads.
const (
	PNG  Format = "png"
	JPEG Format = "jpeg"
	GIF  Format = "gif"
	WebP Format = "webp"
	BMP  Format = "bmp"
	TIFF Format = "tiff"
	AVIF Format = "avif"
	HEIC Format = "heic" // only with Limits.HEIC
)

// Formats lists what Decode reads, for messages.
const Formats = "PNG, JPEG, GIF, WebP, BMP, TIFF, AVIF or HEIC"

// ErrUnknownFormat means the bytes start like none of the Formats.
var ErrUnknownFormat = errors.New("the bytes are not " + Formats)

// TooManyPixelsError means an image's header declares more pixels than
// allowed; nothing beyond the header was decoded.
type TooManyPixelsError struct {
	Format        Format
	Width, Height int
	Max           int64
}

func (e *TooManyPixelsError) Error() string {
	return fmt.Sprintf("the %s is %d×%d, %d pixels; at most %d are accepted", e.Format, e.Width, e.Height, int64(e.Width)*int64(e.Height), e.Max)
}

// CorruptError means bytes in a known format that do not decode: truncated,
// damaged, or using a feature the decoder lacks.
type CorruptError struct {
	Format Format
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("the %s does not decode: %v", e.Format, e.Err)
}

// Detail says what is wrong in words for the person who sent the image,
// without the decoder's own message (which is for the log).
func (e *CorruptError) Detail() string {
	name := strings.ToUpper(string(e.Format))
	if e.Format == WebP {
		name = "WebP"
	}
	var mismatch *SizeMismatchError
	var matrix *UnsupportedMatrixError
	switch {
	case errors.As(e.Err, &mismatch):
		return mismatch.Error() // sizes only: nothing of the decoder's words
	case errors.As(e.Err, &matrix):
		return matrix.Error()
	case errors.Is(e.Err, io.ErrUnexpectedEOF), errors.Is(e.Err, io.EOF):
		return fmt.Sprintf("the %s does not decode: it ends before its last pixel (truncated)", name)
	case isUnsupported(e.Err):
		return fmt.Sprintf("the %s does not decode: it uses a feature pngd's %s decoder does not support", name, name)
	}
	return fmt.Sprintf("the %s does not decode: its bytes are damaged", name)
}

// isUnsupported reports whether err is a decoder's "unsupported feature".
func isUnsupported(err error) bool {
	var j jpeg.UnsupportedError
	var p png.UnsupportedError
	var t tiff.UnsupportedError
	return errors.As(err, &j) || errors.As(err, &p) || errors.As(err, &t)
}

func (e *CorruptError) Unwrap() error { return e.Err }

type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[Format]codec{
	PNG:  {png.DecodeConfig, png.Decode},
	JPEG: {jpeg.DecodeConfig, jpeg.Decode},
	GIF:  {gif.DecodeConfig, gif.Decode}, // gif.Decode returns the first frame
	BMP:  {bmp.DecodeConfig, bmp.Decode},
}

// Sniff names data's format from its first bytes, whatever a Content-Type
// claims.
func Sniff(data []byte) (Format, bool) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, true
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return JPEG, true
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return GIF, true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP, true
	case bytes.HasPrefix(data, []byte("BM")):
		return BMP, true
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return TIFF, true
	}
	return sniffHEIF(data)
}

// IsPNG reports whether data starts with the PNG signature.
func IsPNG(data []byte) bool {
	f, ok := Sniff(data)
	return ok && f == PNG
}

// Decoded is an image as Decode returns it.
type Decoded struct {
	Image  image.Image
	Format Format
	// Profile is the ICC profile the image carried, to be kept with it;
	// nil for none, which means sRGB, and for a CMYK image, which Decode
	// converts to sRGB.
	Profile *colour.Profile
	// Anim is an animation's frames, as its file stores them; Image is
	// then its first frame, covering the canvas.
	Anim *pngenc.Animation
	// Dropped names the ancillary chunks of a PNG dropped for a CRC
	// error (see png.go), for the log.
	Dropped []string
	// ProfileErr says why a profile the image carried was not kept: it
	// did not parse, or it describes another colour space than the
	// pixels'. The image is then taken as sRGB.
	ProfileErr error
}

// Decode decodes an image in any of the Formats, upright: EXIF orientation
// is applied. Its ICC profile is read; a CMYK JPEG is converted to sRGB
// through it, or through colour.DefaultCMYK when it has none. The header
// is read and checked against lim first (ReadHeader), so a small file
// that claims to be huge, or a JPEG of thousands of scans, costs nothing.
// Callers that bound memory reserve ReadHeader's DecodeBytes before they
// call it. The errors are ErrUnknownFormat, *TooManyPixelsError,
// *TooManyScansError and *CorruptError.
func Decode(data []byte, lim Limits) (d Decoded, err error) {
	h, err := ReadHeader(data, lim)
	d.Format = h.Format
	if err != nil {
		return d, err
	}
	f := h.Format
	if f == PNG && h.repair > 0 { // ReadHeader found damaged ancillary chunks
		data, d.Dropped = withoutDamagedAncillary(data)
	}
	// The x/image decoders have panicked on hostile input before; a panic
	// here is one more corrupt file, not a crashed server.
	defer func() {
		if p := recover(); p != nil {
			d, err = Decoded{Format: f}, &CorruptError{f, fmt.Errorf("decoder panic: %v", p)}
		}
	}()
	start := time.Now()
	var img image.Image
	if h.Animated() {
		d.Anim, err = decodeAnimation(f, data, h.Width, h.Height)
		if err == nil {
			img = d.Anim.Frames[0].Image
		}
	} else {
		img, err = codecs[f].decode(bytes.NewReader(data))
		if f == JPEG && plainCMYK(err) {
			img, err = decodePlainCMYK(data)
		}
	}
	observe("decode", f, start)
	if err != nil {
		return d, &CorruptError{f, err}
	}
	if got := img.Bounds().Size(); got.X != h.Width || got.Y != h.Height {
		return d, &CorruptError{f, fmt.Errorf("header says %d×%d, pixels are %v", h.Width, h.Height, got)}
	}
	d.Profile, d.ProfileErr = Profile(f, data)
	if errors.Is(d.ProfileErr, ErrNoProfile) {
		d.ProfileErr = nil
	}
	img = d.fitProfile(img)
	if d.Anim != nil {
		// Frames keep the orientation they have: EXIF orientation is a
		// still photo's, and animated WebPs that carry one are rare.
		d.Image = img
		return d, nil
	}
	if f == AVIF {
		// The clean aperture, which libavif leaves to its caller (libheif
		// applies HEIC's), before the rotation and mirror.
		b := img.Bounds()
		if r, ok := readHEIFProps(data).cleanAperture(b.Dx(), b.Dy()); ok && r.Size() != b.Size() {
			img = crop(img, r.Add(b.Min))
		}
	}
	if o := orientation(f, data); o != 1 {
		img = Orient(img, o)
	}
	d.Image = img
	return d, nil
}

// plainCMYK reports whether err is image/jpeg refusing a 4-component JPEG
// without Adobe's APP14 marker: CMYK as libjpeg writes it.
func plainCMYK(err error) bool {
	var u jpeg.UnsupportedError
	return errors.As(err, &u) && strings.Contains(string(u), "Adobe APP14")
}

// decodePlainCMYK decodes a 4-component JPEG without an APP14 marker, which
// image/jpeg refuses, as ImageMagick (libjpeg) reads it: CMYK with Adobe's
// inverted samples, the convention nearly every CMYK JPEG follows. It gives
// image/jpeg the APP14 that says so ("CMYK, no transform").
func decodePlainCMYK(data []byte) (image.Image, error) {
	app14 := []byte{0xff, 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}
	img, err := jpeg.Decode(bytes.NewReader(append(append(append([]byte{}, data[:2]...), app14...), data[2:]...)))
	if err != nil {
		return nil, err
	}
	if _, ok := img.(*image.CMYK); !ok {
		return nil, errors.New("a 4-component JPEG that did not decode to CMYK")
	}
	return img, nil
}

// fitProfile drops a profile that does not describe img's pixels, and
// converts a CMYK image to sRGB.
func (d *Decoded) fitProfile(img image.Image) image.Image {
	p := d.Profile
	_, cmyk := img.(*image.CMYK)
	_, gray := img.(*image.Gray)
	_, gray16 := img.(*image.Gray16)
	switch {
	case p == nil:
	case cmyk != (p.Space == "CMYK"), p.Space == "GRAY" && !gray && !gray16:
		d.Profile, d.ProfileErr = nil, fmt.Errorf("an ICC profile for %s pixels on an image of other pixels", p.Space)
	}
	if !cmyk {
		return img
	}
	p = d.Profile
	if p == nil {
		p = colour.DefaultCMYK()
	}
	d.Profile = nil
	t, err := p.ToSRGB()
	if err != nil {
		d.ProfileErr = err
		if t, err = colour.DefaultCMYK().ToSRGB(); err != nil {
			return img
		}
	}
	return t.CMYKToRGBA(img.(*image.CMYK))
}

// Normalize returns img in a type that image/png encodes without boxing
// every pixel: types it handles directly pass through, YCbCr and CMYK become
// RGBA (image/draw's fast path; they have no alpha), and the rest NRGBA.
func Normalize(img image.Image) image.Image {
	switch img.(type) {
	case *image.NRGBA, *image.RGBA, *image.Gray, *image.Paletted, *image.Gray16, *image.NRGBA64, *image.RGBA64:
		return img
	case *image.YCbCr, *image.CMYK:
		return toRGBA(img)
	}
	b := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}

// toRGBA copies img into a new RGBA image at the origin.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}
