package imaging

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"strings"

	"github.com/pngd/pngd/internal/colour"
)

// AVIF and HEIC are decoded by libavif (with dav1d) and libheif (with
// libde265) compiled to WebAssembly and run by wazero, from
// github.com/gen2brain/avif and github.com/gen2brain/heic (whose module
// pngd runs itself: heic.go). pngd is built with avif's nodynamic tag (the
// Makefile and .ci/run set it), so it never loads a system libavif: the
// same bytes decode the same way on every machine. A build without the tag
// may load one; Decoders says which are in use, pngd logs it at start, and
// make test checks it is WebAssembly.
// HEIC is decoded only when the operator asks for it (Limits.HEIC, pngd
// -heic): see docs/formats.md's assessment.

// ErrHEICDisabled means a HEIC upload to a server that does not decode
// HEIC.
var ErrHEICDisabled = errors.New("HEIC decoding is not enabled on this server")

// sniffHEIF names an ISOBMFF image by its ftyp brands: AVIF (avif, avis)
// or HEIC (heic, heix, heim, heis, hevc, hevx).
func sniffHEIF(data []byte) (Format, bool) {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return "", false
	}
	n := int(binary.BigEndian.Uint32(data))
	if n < 16 || n > len(data) || n > 4096 {
		return "", false
	}
	brands := []string{string(data[8:12])}
	for i := 16; i+4 <= n; i += 4 {
		brands = append(brands, string(data[i:i+4]))
	}
	for _, b := range brands {
		switch b {
		case "avif", "avis":
			return AVIF, true
		}
	}
	for _, b := range brands {
		switch b {
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			return HEIC, true
		}
	}
	return "", false
}

func init() {
	codecs[AVIF] = codec{avifConfig, decodeAVIF}
	codecs[HEIC] = codec{heicConfig, decodeHEIC}
}

// nclxProfile is an ICC profile for an nclx colour description that is
// not sRGB: Display P3 or BT.2020 primaries with the sRGB, BT.709 or
// linear transfer. nil means sRGB (BT.709 primaries, or unspecified); an
// error, a description pngd does not convert (HDR transfers, other
// primaries), taken as sRGB.
func nclxProfile(c [3]uint16) ([]byte, error) {
	prim, trc, matrix := c[0], c[1], c[2]
	var primaries [3][2]float64
	var name string
	switch prim {
	case 1, 2: // BT.709 (sRGB's), unspecified
		if trc == 13 || trc == 2 || trc == 1 || trc == 6 {
			return nil, nil
		}
		primaries, name = [3][2]float64{{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}}, "BT.709"
	case 12:
		primaries, name = colour.PrimariesP3, "Display P3"
	case 9:
		primaries, name = colour.PrimariesBT2020, "BT.2020"
	default:
		return nil, fmt.Errorf("nclx colour primaries %d", prim)
	}
	curve, curveName := colour.SRGBCurve, "sRGB"
	switch trc {
	case 13, 2:
	case 1, 6, 14, 15:
		curve, curveName = colour.BT709Curve, "BT.709"
	case 8:
		curve, curveName = func(v float64) float64 { return v }, "linear"
	default:
		return nil, fmt.Errorf("nclx transfer characteristics %d (HDR, or not converted)", trc)
	}
	return colour.MatrixProfile(fmt.Sprintf("%s, %s transfer (from nclx %d/%d/%d)", name, curveName, prim, trc, matrix), primaries, colour.WhiteD65, curve), nil
}

// heifComplete checks that data's top-level boxes end where the file ends:
// libavif, lenient, decodes an AVIF cut short in its media data to a
// partly grey picture, which pngd would store as if it were whole.
func heifComplete(data []byte) error {
	for b := data; len(b) > 0; {
		size, _, _ := nextBox(b)
		if size == 0 {
			return io.ErrUnexpectedEOF
		}
		b = b[size:]
	}
	return nil
}

// heifProps are the item properties of an AVIF or HEIC file that pngd
// reads itself: the colour profile (colr of type prof or rICC), and the
// rotation and mirror (irot, imir) that libavif leaves to its caller. They
// are the first of each in the file's property container (ipco): files
// with several images (grids, thumbnails) share them as a rule.
type heifProps struct {
	icc []byte
	// nclx is a colr box's colour primaries, transfer characteristics
	// and matrix coefficients (ITU-T H.273), when the file describes its
	// colour so rather than by an ICC profile.
	nclx *[3]uint16
	// fullRange is the nclx box's full-range flag.
	fullRange bool
	rotate    int // anticlockwise quarter turns
	// mirror is imir's mode: -1 none, 0 top and bottom swap, 1 left
	// and right swap (as libheif, libavif and browsers read it; the
	// first edition of HEIF called the field an axis, ambiguously).
	mirror int
	// maxCLL is the clli box's maximum content light level, in cd/m².
	maxCLL int
	// mdcv is the mastering display colour volume box, nil without one.
	mdcv *colour.Mastering
	// clap is the clean aperture box's eight numbers: width, height,
	// horizontal and vertical offset, each a numerator and denominator.
	clap *[8]int32
}

func readHEIFProps(data []byte) heifProps {
	p := heifProps{mirror: -1}
	meta := box(data, "meta")
	if meta == nil || len(meta) < 4 {
		return p
	}
	ipco := box(box(meta[4:], "iprp"), "ipco") // meta is a full box: version and flags first
	seen := map[string]bool{}
	for b := ipco; len(b) >= 8; {
		size, typ, body := nextBox(b)
		if size == 0 {
			break
		}
		if typ == "colr" && len(body) >= 4 {
			typ += "/" + string(body[:4]) // a file may have an ICC one and an nclx one
		}
		if !seen[typ] {
			seen[typ] = true
			switch typ {
			case "colr/prof", "colr/rICC":
				p.icc = body[4:]
			case "colr/nclx":
				if len(body) >= 10 {
					be := binary.BigEndian
					p.nclx = &[3]uint16{be.Uint16(body[4:]), be.Uint16(body[6:]), be.Uint16(body[8:])}
					p.fullRange = len(body) >= 11 && body[10]&0x80 != 0
				}
			case "clli":
				if len(body) >= 2 {
					p.maxCLL = int(binary.BigEndian.Uint16(body))
				}
			case "mdcv":
				p.mdcv = colour.MasteringFromST2086(body)
			case "clap":
				if len(body) >= 32 {
					var c [8]int32
					for i := range c {
						c[i] = int32(binary.BigEndian.Uint32(body[4*i:]))
					}
					p.clap = &c
				}
			case "irot":
				if len(body) >= 1 {
					p.rotate = int(body[0] & 3)
				}
			case "imir":
				if len(body) >= 1 {
					p.mirror = int(body[0] & 1)
				}
			}
		}
		b = b[size:]
	}
	return p
}

// box returns the body of the first box of type typ in b.
func box(b []byte, typ string) []byte {
	for len(b) >= 8 {
		size, t, body := nextBox(b)
		if size == 0 {
			return nil
		}
		if t == typ {
			return body
		}
		b = b[size:]
	}
	return nil
}

// nextBox splits off b's first box: its whole size (0 when damaged), type
// and body.
func nextBox(b []byte) (size int, typ string, body []byte) {
	if len(b) < 8 {
		return 0, "", nil
	}
	n, head := uint64(binary.BigEndian.Uint32(b)), 8
	switch n {
	case 1: // 64-bit size
		if len(b) < 16 {
			return 0, "", nil
		}
		n, head = binary.BigEndian.Uint64(b[8:]), 16
	case 0: // to the end
		n = uint64(len(b))
	}
	if n < uint64(head) || n > uint64(len(b)) {
		return 0, "", nil
	}
	return int(n), string(b[4:8]), b[head:n]
}

// orientation is the EXIF orientation (1–8) that irot and imir make:
// HEIF applies the rotation (anticlockwise) first, then the mirror.
func (p heifProps) orientation() int {
	// EXIF orientations indexed by anticlockwise quarter turns, without
	// and with a left-right mirror applied after.
	plain := [4]int{1, 8, 3, 6}
	mirrored := [4]int{2, 7, 4, 5}
	switch p.mirror {
	case 1: // left and right swap
		return mirrored[p.rotate]
	case 0: // top and bottom swap: a left-right mirror turned twice
		return mirrored[(p.rotate+2)%4]
	}
	return plain[p.rotate]
}

// Decoders names the AVIF and HEIC decoders in use: WebAssembly, or a
// system library loaded at run time by a build without the nodynamic tag.
func Decoders() (avifDecoder, heicDecoder string) {
	return "libavif in WebAssembly", "libheif in WebAssembly"
}

// WarmDecoders compiles the AVIF decoder's WebAssembly (and HEIC's, when
// enabled), which otherwise the first upload of each would wait for.
func WarmDecoders(heicToo bool) {
	_, _ = loadAVIF()
	if heicToo {
		_, _ = loadHEIC()
	}
}

// cleanAperture is the rectangle of a w×h image that p's clap box keeps
// (HEIF, ISO/IEC 23008-12, 6.5.9, as libavif converts it): centred at
// (w-1)/2 + horizontal offset, (h-1)/2 + vertical offset. ok is false
// without a clap box, or for one that does not name a whole-pixel
// rectangle inside the image, which is then ignored as libavif refuses it.
func (p heifProps) cleanAperture(w, h int) (r image.Rectangle, ok bool) {
	if p.clap == nil {
		return r, false
	}
	c := p.clap
	frac := func(n, d int32) (num, den int64, ok bool) {
		if d <= 0 {
			return 0, 0, false
		}
		return int64(n), int64(d), true
	}
	wn, wd, ok1 := frac(c[0], c[1])
	hn, hd, ok2 := frac(c[2], c[3])
	xn, xd, ok3 := frac(c[4], c[5])
	yn, yd, ok4 := frac(c[6], c[7])
	if !ok1 || !ok2 || !ok3 || !ok4 || wn%wd != 0 || hn%hd != 0 {
		return r, false
	}
	cw, ch := wn/wd, hn/hd
	// The left edge: (w-1)/2 + xn/xd - (cw-1)/2, in halves first.
	left2 := (int64(w)-1)*xd + 2*xn - (cw-1)*xd // over 2*xd
	top2 := (int64(h)-1)*yd + 2*yn - (ch-1)*yd  // over 2*yd
	if left2%(2*xd) != 0 || top2%(2*yd) != 0 {
		return r, false
	}
	left, top := left2/(2*xd), top2/(2*yd)
	r = image.Rect(int(left), int(top), int(left+cw), int(top+ch))
	if cw <= 0 || ch <= 0 || !r.In(image.Rect(0, 0, w, h)) {
		return image.Rectangle{}, false
	}
	return r, true
}

// crop copies r of m into an image of m's type at the origin (NRGBA for a
// type it does not know).
func crop(m image.Image, r image.Rectangle) image.Image {
	copyRows := func(dst, src []byte, dstStride, srcStride, rowBytes, h int) {
		for y := range h {
			copy(dst[y*dstStride:y*dstStride+rowBytes], src[y*srcStride:])
		}
	}
	w, h := r.Dx(), r.Dy()
	out := image.Rect(0, 0, w, h)
	switch m := m.(type) {
	case *image.RGBA:
		d := image.NewRGBA(out)
		copyRows(d.Pix, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], d.Stride, m.Stride, 4*w, h)
		return d
	case *image.NRGBA:
		d := image.NewNRGBA(out)
		copyRows(d.Pix, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], d.Stride, m.Stride, 4*w, h)
		return d
	case *image.RGBA64:
		d := image.NewRGBA64(out)
		copyRows(d.Pix, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], d.Stride, m.Stride, 8*w, h)
		return d
	case *image.NRGBA64:
		d := image.NewNRGBA64(out)
		copyRows(d.Pix, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], d.Stride, m.Stride, 8*w, h)
		return d
	}
	d := image.NewNRGBA(out)
	draw.Draw(d, out, m, r.Min, draw.Src)
	return d
}

// UnsupportedMatrixError means an AVIF or HEIC whose colour description
// names a matrix its decoder cannot convert to RGB: for both, BT.2020's
// constant-luminance matrix (10), SMPTE ST 2085 (11), chromaticity-derived
// constant luminance (13) and ICtCp (14); for HEIC, whose planes pngd
// converts itself (heic.go), also chromaticity-derived non-constant
// luminance (12) and the values H.273 reserves.
type UnsupportedMatrixError struct {
	Format Format
	Matrix uint16
}

var matrixNames = map[uint16]string{
	10: "BT.2020 constant luminance", 11: "SMPTE ST 2085", 12: "chromaticity-derived non-constant luminance",
	13: "chromaticity-derived constant luminance", 14: "ICtCp",
}

func (e *UnsupportedMatrixError) Error() string {
	name := strings.ToUpper(string(e.Format))
	what := "a matrix ITU-T H.273 reserves"
	if n, ok := matrixNames[e.Matrix]; ok {
		what = "the " + n + " matrix"
	}
	return fmt.Sprintf("the %s's colour is coded with %s (matrix_coefficients %d), which pngd's %s decoder cannot convert to RGB", name, what, e.Matrix, name)
}

// unsupportedMatrix refuses an AVIF or HEIC whose nclx names a matrix its
// decoder cannot convert, from its header, before any decoding.
func unsupportedMatrix(f Format, data []byte) error {
	p := readHEIFProps(data)
	if p.nclx == nil {
		return nil
	}
	if f == HEIC {
		if p.nclx[2] == 0 {
			return nil // identity: G, B, R planes
		}
		_, err := heifMatrix(p)
		return err
	}
	switch m := p.nclx[2]; m {
	case 10, 11, 13, 14:
		return &UnsupportedMatrixError{f, m}
	}
	return nil
}
