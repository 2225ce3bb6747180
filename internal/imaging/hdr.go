package imaging

import (
	"encoding/binary"

	"github.com/pngd/pngd/internal/colour"
)

// hdrOf reads whether data's pixels are HDR, coded with BT.2100's PQ or
// HLG: an AVIF's or HEIC's nclx colour box, or a PNG's cICP chunk (which
// PNG's third edition puts before any other colour chunk), with the
// content's peak light from clli or cLLI where given.
func hdrOf(f Format, data []byte) (colour.HDR, bool) {
	var h colour.HDR
	switch f {
	case AVIF, HEIC:
		p := readHEIFProps(data)
		if p.nclx == nil {
			return h, false
		}
		h.CICP = [4]uint8{uint8(p.nclx[0]), uint8(p.nclx[1]), 0, 1}
		h.PeakNits = float64(p.maxCLL)
		h.Mastering = p.mdcv
	case PNG:
		found := false
		walkPNG(data, func(typ string, chunk []byte, ok bool) {
			body := chunk[8 : len(chunk)-4]
			switch {
			case !ok:
			case typ == "cICP" && len(body) == 4:
				copy(h.CICP[:], body)
				found = true
			case typ == "cLLI" && len(body) == 8:
				h.PeakNits = float64(binary.BigEndian.Uint32(body)) / 10000
			case typ == "mDCV" && len(body) == 24:
				h.Mastering = colour.MasteringFromST2086(body)
			}
		})
		if !found {
			return h, false
		}
	default:
		return h, false
	}
	return h, h.CICP[1] == colour.TransferPQ || h.CICP[1] == colour.TransferHLG
}
