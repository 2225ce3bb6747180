package imaging

import "image"

// turns is the EXIF orientation (see Orient) that rotates clockwise by
// [rotate/90] and then mirrors [none, h, v, hv]: every such pair is one
// of the eight.
var turns = [4][4]int{
	{1, 2, 4, 3}, // 0°: as is, mirror, flip, 180°
	{6, 5, 7, 8}, // 90°: then transpose, transverse, 270°
	{3, 4, 2, 1}, // 180°
	{8, 7, 5, 6}, // 270°
}

// Turn returns src rotated clockwise by deg degrees (0, 90, 180 or 270),
// then mirrored left to right when flipH and top to bottom when flipV. It
// returns src itself when that changes nothing, else a new image.
func Turn(src *image.RGBA, deg int, flipH, flipV bool) *image.RGBA {
	o := turnOrientation(deg, flipH, flipV)
	if o == 1 {
		return src
	}
	return Orient(src, o).(*image.RGBA)
}

// turnOrientation is the EXIF orientation of a clockwise turn by deg
// degrees, then mirrors.
func turnOrientation(deg int, flipH, flipV bool) int {
	flip := 0
	if flipH {
		flip++
	}
	if flipV {
		flip += 2
	}
	return turns[(deg/90)%4][flip]
}
