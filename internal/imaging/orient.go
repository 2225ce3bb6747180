package imaging

import (
	"encoding/binary"
	"image"
)

// exifOrientation returns the Orientation (tag 0x0112) of a JPEG's EXIF
// block, 1 to 8, or 1 when there is none or it cannot be read. It walks the
// JPEG's marker segments up to the first scan, and IFD0 of the EXIF TIFF
// structure (CIPA DC-008, §4.6.4), bounds-checking every read.
func exifOrientation(jpg []byte) int {
	for i := 2; i+4 <= len(jpg); {
		if jpg[i] != 0xff {
			return 1
		}
		marker := jpg[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xda || marker == 0xd9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(jpg[i+2:]))
		if n < 2 || i+2+n > len(jpg) {
			return 1
		}
		seg := jpg[i+4 : i+2+n]
		if marker == 0xe1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// orientation is the EXIF orientation (1 to 8; 1 when absent or
// unreadable) of an image in format f: from a JPEG's APP1 Exif segment, a
// TIFF's own first IFD, or a WebP's EXIF chunk. PNG, GIF and BMP carry
// none that browsers honour.
func orientation(f Format, data []byte) int {
	switch f {
	case JPEG:
		return exifOrientation(data)
	case TIFF:
		return tiffOrientation(data)
	case WebP:
		return webpOrientation(data)
	case AVIF:
		// irot and imir, which libavif leaves to its caller; libheif
		// applies them itself. Their EXIF copy, if any, is ignored, as
		// HEIF says.
		return readHEIFProps(data).orientation()
	}
	return 1
}

// webpOrientation reads the orientation from a WebP's EXIF chunk (an
// extended-format file, RIFF/WEBP with VP8X), whose payload is a TIFF
// structure, sometimes after an "Exif\0\0" prefix.
func webpOrientation(w []byte) int {
	if len(w) < 12 || string(w[:4]) != "RIFF" || string(w[8:12]) != "WEBP" {
		return 1
	}
	for i := 12; i+8 <= len(w); {
		id, n := string(w[i:i+4]), int64(binary.LittleEndian.Uint32(w[i+4:]))
		end := int64(i) + 8 + n
		if end > int64(len(w)) {
			return 1
		}
		if id == "EXIF" {
			payload := w[i+8 : end]
			if len(payload) >= 6 && string(payload[:6]) == "Exif\x00\x00" {
				payload = payload[6:]
			}
			return tiffOrientation(payload)
		}
		i = int(end + end%2) // chunks are padded to even sizes
	}
	return 1
}

func tiffOrientation(t []byte) int {
	order, ifd, ok := tiffIFD(t)
	if !ok {
		return 1
	}
	count := int64(order.Uint16(t[ifd:]))
	for e := ifd + 2; e+12 <= int64(len(t)) && count > 0; e, count = e+12, count-1 {
		tag, typ := order.Uint16(t[e:]), order.Uint16(t[e+2:])
		if tag != 0x0112 {
			continue
		}
		if typ != 3 { // SHORT
			return 1
		}
		if o := int(order.Uint16(t[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}

// Orient turns img upright according to an EXIF orientation, 1 to 8 (TIFF
// 6.0 tag 274): 2 mirrors, 3 rotates 180°, 4 flips, 5 transposes, 6 rotates
// 90° clockwise, 7 transverses, 8 rotates 90° counter-clockwise. Any other
// value leaves img as it is. The result is an *image.NRGBA when img is one,
// else an *image.RGBA.
func Orient(img image.Image, orientation int) image.Image {
	if orientation < 2 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	var src, dst []byte
	var stride int
	var out image.Image
	switch m := img.(type) {
	case *image.NRGBA:
		d := image.NewNRGBA(image.Rect(0, 0, dw, dh))
		src, stride, dst, out = m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, d.Pix, d
	case *image.RGBA:
		d := image.NewRGBA(image.Rect(0, 0, dw, dh))
		src, stride, dst, out = m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, d.Pix, d
	default:
		if Deep(img) { // 16 bits stay 16 bits
			m := ToRGBA16(img)
			pix, w2, h2 := orient(m.Pix, w, h, orientation)
			return (&RGBA16{Pix: pix, Stride: 4 * w2, Rect: image.Rect(0, 0, w2, h2)}).RGBA64()
		}
		r := toRGBA(img)
		d := image.NewRGBA(image.Rect(0, 0, dw, dh))
		src, stride, dst, out = r.Pix, r.Stride, d.Pix, d
	}
	orientInto(dst, src, stride, w, h, orientation)
	return out
}

// orient returns the 4-channel pixels src (rows stride channels apart) of
// a w×h image in EXIF orientation o, made upright, and their size.
func orient[T uint8 | uint16](src []T, w, h, o int) ([]T, int, int) {
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := make([]T, 4*w*h)
	orientInto(dst, src, 4*w, w, h, o)
	return dst, dw, dh
}

// orientInto writes src, w×h with rows stride channels apart in EXIF
// orientation o, upright into dst (rows back to back).
func orientInto[T uint8 | uint16](dst, src []T, stride, w, h, o int) {
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			default:
				sx, sy = x, y
			}
			copy(dst[(y*dw+x)*4:][:4], src[sy*stride+4*sx:][:4])
		}
	}
}

// tiffIFD reads a TIFF header: its byte order and where its first IFD
// starts, which ok says lies within t.
func tiffIFD(t []byte) (order binary.ByteOrder, ifd int64, ok bool) {
	if len(t) < 8 {
		return nil, 0, false
	}
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return nil, 0, false
	}
	ifd = int64(order.Uint32(t[4:]))
	return order, ifd, ifd+2 <= int64(len(t))
}
