package imaging

import "image"

// Grayscale replaces each pixel's colour with its Rec. 709 luma, in place;
// alpha is kept. On premultiplied colour the luma of the premultiplied
// channels is the premultiplied luma, so no division is needed.
func Grayscale(img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		grayscale(img.Pix[y*img.Stride : y*img.Stride+4*w])
	}
}

// grayscale is Grayscale on 4-channel pixels of any depth.
func grayscale[T uint8 | uint16](row []T) {
	for i := 0; i+3 < len(row); i += 4 {
		// 0.2126, 0.7152, 0.0722 in 16-bit fixed point (sum 65536).
		l := T((13933*uint64(row[i]) + 46871*uint64(row[i+1]) + 4732*uint64(row[i+2]) + 32768) >> 16)
		row[i], row[i+1], row[i+2] = l, l, l
	}
}
