package imaging

import "image"

// Rotate returns src turned clockwise by deg degrees (0, 90, 180 or 270);
// 0 returns src itself.
func Rotate(src *image.RGBA, deg int) *image.RGBA {
	if deg == 0 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if deg == 90 || deg == 270 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		for x := range w {
			var dx, dy int
			switch deg {
			case 90:
				dx, dy = h-1-y, x
			case 180:
				dx, dy = w-1-x, h-1-y
			default: // 270
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+4*dx:dy*dst.Stride+4*dx+4], row[4*x:4*x+4])
		}
	}
	return dst
}

// Flip mirrors src in place: left to right when h, top to bottom when v.
func Flip(src *image.RGBA, h, v bool) {
	w, ht := src.Rect.Dx(), src.Rect.Dy()
	if h {
		for y := range ht {
			row := src.Pix[y*src.Stride : y*src.Stride+4*w]
			for l, r := 0, w-1; l < r; l, r = l+1, r-1 {
				var t [4]byte
				copy(t[:], row[4*l:4*l+4])
				copy(row[4*l:4*l+4], row[4*r:4*r+4])
				copy(row[4*r:4*r+4], t[:])
			}
		}
	}
	if v {
		tmp := make([]byte, 4*w)
		for t, b := 0, ht-1; t < b; t, b = t+1, b-1 {
			top := src.Pix[t*src.Stride : t*src.Stride+4*w]
			bot := src.Pix[b*src.Stride : b*src.Stride+4*w]
			copy(tmp, top)
			copy(top, bot)
			copy(bot, tmp)
		}
	}
}
