package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"runtime"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/pngenc"
)

// Limits bound what Decode accepts, checked from the header before any
// pixel is decoded.
type Limits struct {
	// MaxPixels caps width×height; zero means no cap.
	MaxPixels int64
	// MaxFrames caps an animation's frames, and MaxFramePixels its
	// frames × canvas pixels (what composing every frame takes); zero
	// means DefaultMaxFrames and DefaultMaxFramePixels.
	MaxFrames      int
	MaxFramePixels int64
	// HEIC decodes HEIC; without it a HEIC is ErrHEICDisabled. HEVC is
	// patent-encumbered and its decoders LGPL: the README says why it is
	// the operator's choice.
	HEIC bool
	// MaxScans caps a JPEG's scans (SOS markers). Each scan of a
	// progressive JPEG is a full pass over the image's coefficients, and
	// Go's decoder cannot be interrupted between them, so a few kilobytes
	// of scans can cost minutes of CPU. Zero means DefaultMaxScans.
	MaxScans int
}

// DefaultMaxScans is Limits.MaxScans' default. Encoders write 10 or so scans
// (libjpeg's progressive script has 10, mozjpeg's optimised ones up to
// about 60); libjpeg-turbo's fuzzers refuse more than 500, and its
// documentation suggests 100 for untrusted input.
const DefaultMaxScans = 100

// TooManyScansError means a JPEG with more scans than allowed; nothing
// beyond its markers was decoded.
type TooManyScansError struct {
	Scans, Max int
}

func (e *TooManyScansError) Error() string {
	return fmt.Sprintf("the JPEG has %d scans; at most %d are accepted (a progressive JPEG from any common encoder has fewer than 100)", e.Scans, e.Max)
}

// Header is what an image's header says, read before any pixel is decoded:
// enough to cost the decoding (DecodeBytes) and to refuse it.
type Header struct {
	Format        Format
	Width, Height int
	// Model is the colour model of the image Decode returns.
	Model color.Model
	// Frames is an animation's frame count (1 for a still image), and
	// FramePixels the pixels of its frames in all, each at its own size.
	Frames      int
	FramePixels int64
	// Progressive is a JPEG's SOF2; Scans counts its SOS markers.
	Progressive bool
	Scans       int
	// planes is the bytes per pixel of the decoded image; scratch the
	// extra bytes per pixel the decoder holds while it works.
	planes, scratch float64
	// size is the encoded image's length.
	size int
	// repair is the bytes of a PNG's copy without its damaged ancillary
	// chunks, when it has any.
	repair int
	// profile bounds the bytes of the ICC profile the image embeds, whose
	// parsing DecodeBytes counts (colour.ParseBytes).
	profile int
	// coded is the largest picture an AVIF's or HEIC's codec headers
	// declare, which its decoder allocates for: up to a coding block
	// larger than Width×Height (encoders pad, and the decoder crops).
	coded image.Point
}

// padded is the largest coded side pngd accepts for a declared side n:
// n rounded up to a 64-pixel block, HEVC's largest coding tree unit
// (libheif pads images smaller than one block to a whole one).
func padded(n int) int { return (n + 63) &^ 63 }

// decodePixels is the pixels the decoder holds: Width×Height, or the
// coded picture's when that is larger.
func (h Header) decodePixels() int64 {
	return max(h.Pixels(), int64(h.coded.X)*int64(h.coded.Y))
}

// Pixels is Width×Height.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// DecodeBytes is the most memory Decode allocates for the image: its
// decoded planes, the decoder's scratch (a progressive JPEG keeps every
// coefficient: 4 bytes per sample; an interlaced PNG a second image per
// pass), and the upright, normalised RGBA copy that follows. It does not
// count the encoded bytes, which the caller already holds.
func (h Header) DecodeBytes() int64 {
	if h.Animated() {
		// Every frame decoded at its own size, and the first one
		// padded to the canvas.
		return int64(float64(h.FramePixels)*(h.planes+h.scratch)) + 4*h.Pixels() + 4<<20 + h.profileBytes() + int64(h.repair)
	}
	px := float64(h.Pixels())
	out := float64(h.normalBytes())
	n := float64(h.decodePixels()) * (h.planes + h.scratch)
	if !h.passesThrough() {
		n += out * px // Normalize's copy
	}
	if h.Format == JPEG {
		n += out * px // Orient's copy
	}
	return int64(n) + 4<<20 + h.profileBytes() + int64(h.repair) // Huffman tables, inflate and deflate state, row buffers
}

// profileBytes is what reading and parsing the embedded profile takes.
func (h Header) profileBytes() int64 {
	if h.profile == 0 {
		return 0
	}
	return colour.ParseBytes(min(h.profile, colour.MaxProfileBytes))
}

// passesThrough reports whether Normalize keeps the decoded image as it is
// (see Normalize): grey, paletted and (N)RGBA at 8 or 16 bits.
func (h Header) passesThrough() bool {
	switch h.Model {
	case color.GrayModel, color.Gray16Model, color.RGBAModel, color.NRGBAModel, color.RGBA64Model, color.NRGBA64Model:
		return h.Format != JPEG || h.Model == color.GrayModel
	}
	_, paletted := h.Model.(color.Palette)
	return paletted
}

// normalBytes is the bytes per pixel of the image Normalize returns.
func (h Header) normalBytes() int {
	if h.passesThrough() {
		return int(modelBytes(h.Model))
	}
	return 4
}

// PrepareBytes is DecodeBytes plus encoding the result as the PNG pngd
// stores: an output buffer of up to one and a half times the normalised
// pixels, and the deflate state.
func (h Header) PrepareBytes() int64 {
	if h.Animated() {
		// Every frame's rows as NRGBA, in a buffer that grows by
		// doubling, and pngenc's strips.
		return h.DecodeBytes() + 2*4*h.FramePixels + pngenc.MemoryBytes(h.Width, h.Height, 4, runtime.GOMAXPROCS(0))
	}
	return h.DecodeBytes() + EncodeBytes(h.Width, h.Height, h.normalBytes())
}

// Animated reports whether the image has more than one frame.
func (h Header) Animated() bool { return h.Frames > 1 }

// ReadHeader reads data's header without decoding pixels, and checks it
// against lim. The errors are ErrUnknownFormat, *TooManyPixelsError,
// *TooManyScansError and *CorruptError.
func ReadHeader(data []byte, lim Limits) (h Header, err error) {
	f, ok := Sniff(data)
	if !ok {
		return Header{}, ErrUnknownFormat
	}
	if f == HEIC && !lim.HEIC {
		return Header{Format: f}, ErrHEICDisabled
	}
	if f == AVIF || f == HEIC {
		if err := heifComplete(data); err != nil {
			return Header{}, &CorruptError{f, err}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			h, err = Header{}, &CorruptError{f, fmt.Errorf("decoder panic: %v", p)}
		}
	}()
	cfg, err := codecs[f].config(bytes.NewReader(data))
	if err != nil {
		return Header{}, &CorruptError{f, err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Header{}, &CorruptError{f, fmt.Errorf("declared size %d×%d", cfg.Width, cfg.Height)}
	}
	if f == AVIF || f == HEIC {
		if err := unsupportedMatrix(f, data); err != nil {
			return Header{}, &CorruptError{f, err}
		}
	}
	var coded image.Point
	if f == AVIF || f == HEIC {
		// What the decoder will allocate for: the codec's own headers,
		// which must fit inside the declared size (heifsize.go).
		cw, ch, found, err := codedSize(f, data)
		switch {
		case err != nil:
			return Header{}, &CorruptError{f, err}
		case !found:
			return Header{}, &CorruptError{f, fmt.Errorf("no %s sequence header", codecName(f))}
		case !codedFits(f, cfg.Width, cfg.Height, cw, ch, hasGrid(data)):
			return Header{}, &CorruptError{f, &SizeMismatchError{f, cfg.Width, cfg.Height, cw, ch}}
		}
		coded = image.Pt(cw, ch)
	}
	h = Header{Format: f, Width: cfg.Width, Height: cfg.Height, Model: cfg.ColorModel, size: len(data), coded: coded}
	if lim.MaxPixels > 0 && h.Pixels() > lim.MaxPixels {
		return Header{}, &TooManyPixelsError{f, cfg.Width, cfg.Height, lim.MaxPixels}
	}
	h.planes = modelBytes(cfg.ColorModel)
	if h.Frames, h.FramePixels, err = scanFrames(f, data, h.Width, h.Height); err != nil {
		return Header{}, &CorruptError{f, err}
	}
	if h.Animated() {
		maxFrames, maxPixels := lim.MaxFrames, lim.MaxFramePixels
		if maxFrames <= 0 {
			maxFrames = DefaultMaxFrames
		}
		if maxPixels <= 0 {
			maxPixels = DefaultMaxFramePixels
		}
		if all := int64(h.Frames) * h.Pixels(); h.Frames > maxFrames || all > maxPixels {
			return Header{}, &TooManyFramesError{f, h.Frames, maxFrames, all, maxPixels}
		}
		if f == WebP || (f == PNG && h.planes < 4) {
			h.planes = 4 // frames decode as NRGBA or YCbCr with alpha
		}
	}
	h.profile = profileBound(f, data)
	switch f {
	case JPEG:
		if err := h.readJPEG(data); err != nil {
			return Header{}, &CorruptError{f, err}
		}
		maxScans := lim.MaxScans
		if maxScans <= 0 {
			maxScans = DefaultMaxScans
		}
		if h.Scans > maxScans {
			return Header{}, &TooManyScansError{h.Scans, maxScans}
		}
	case PNG:
		if len(data) > 28 && data[28] == 1 { // Adam7: each pass is an image of its own
			h.scratch = h.planes
		}
		if len(damagedAncillary(data)) > 0 {
			h.repair = len(data) // Decode's copy without them
		}
	case GIF:
		h.scratch = 1 // the frame, and the LZW output
	case WebP:
		h.scratch = 8 // VP8L's transforms each make a copy of the ARGB pixels
	case TIFF:
		h.scratch = 3 * h.planes // strips inflated whole, into a buffer that grows by doubling
		maxScans := lim.MaxScans
		if maxScans <= 0 {
			maxScans = DefaultMaxScans
		}
		// A JPEG-compressed TIFF: one baseline scan a strip or tile is
		// usual (three for separate planes); refuse what could only be
		// progressive scan floods.
		if scans, blocks := tiffJPEGScans(data); scans > 3*blocks+maxScans {
			return Header{}, &TooManyScansError{scans, 3*blocks + maxScans}
		}
	case BMP:
		h.scratch = h.planes // rows read whole before they are unpacked
	case AVIF:
		// The WebAssembly decoder's linear memory (a mapping that never
		// moves, linearmemory.go): the file, dav1d's and libavif's
		// planes, the RGB output the Go image is copied from.
		// TestAVIFPeakMemory measures the peak resident memory of a
		// decode of 3 MP: opaque, up to 25 bytes a pixel at 8 bits and
		// 43 at 10, the Go image included; this reserves 28 and 48. An
		// alpha plane (an auxiliary item, as a HEIC's) is decoded as a
		// picture of its own: up to 37 and 50 measured, which the 28 and
		// 48 did not cover; this reserves 44 and 64.
		h.scratch = 6 * h.planes
		if h.planes > 4 {
			h.scratch = 5 * h.planes
		}
		if _, _, alpha := heifAlpha(data); alpha {
			h.scratch = 10 * h.planes
			if h.planes > 4 {
				h.scratch = 7 * h.planes
			}
		}
		if h.Animated() {
			// Every frame's RGB in the module, given back as it is
			// copied out, and one frame's planes at a time
			// (TestAVIFPeakMemory's sequence).
			h.scratch = 2*h.planes + 2
		}
	case HEIC:
		// libheif's planes at 8 bits (the module decodes no deeper), the
		// copy out and the RGBA image: about 10 bytes a pixel measured
		// (TestAVIFPeakMemory); this reserves 16.
		h.scratch = 3 * h.planes
	}
	return h, nil
}

// modelBytes is the bytes per pixel of an image in model m, as the stdlib
// and x/image decoders allocate it.
func modelBytes(m color.Model) float64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.YCbCrModel:
		return 3 // 4:4:4 at worst; JPEG's real sampling is read in readJPEG
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// readJPEG walks data's markers: the frame header (SOF) gives the
// components and their sampling, and every SOS begins a scan. The
// entropy-coded data between markers is skipped by looking for the next
// 0xFF that is not stuffing (0xFF00) or a restart marker.
func (h *Header) readJPEG(data []byte) error {
	type comp struct{ hs, vs int }
	var comps []comp
	i, ok := 2, false // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return errors.New("expected a marker")
		}
		m := data[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xD9: // EOI
			i = len(data)
			continue
		case m >= 0xD0 && m <= 0xD7, m == 0x01: // no length
			i += 2
			continue
		}
		seg, n, err := markerSegment(data, i)
		if err != nil {
			return err
		}
		switch m {
		case 0xC0, 0xC1, 0xC2:
			if len(seg) < 6 || len(comps) > 0 {
				return errors.New("a bad or second frame header")
			}
			h.Progressive = m == 0xC2
			nc := int(seg[5])
			if len(seg) < 6+3*nc {
				return errors.New("a short frame header")
			}
			for c := range nc {
				s := seg[6+3*c+1]
				comps = append(comps, comp{int(s >> 4), int(s & 15)})
			}
		case 0xDA: // SOS: skip the scan's entropy-coded data
			h.Scans++
			if i, ok = scanEnd(data, i+2+n); !ok {
				i = len(data)
			}
			continue
		}
		i += 2 + n
	}
	if len(comps) == 0 {
		return errors.New("no frame header")
	}
	hmax, vmax := 1, 1
	for _, c := range comps {
		hmax, vmax = max(hmax, c.hs), max(vmax, c.vs)
	}
	var planes float64
	for _, c := range comps {
		planes += float64(max(c.hs, 1)*max(c.vs, 1)) / float64(hmax*vmax)
	}
	// Go's decoder rounds planes up to whole MCUs; 4:2:0's two chroma
	// planes are a quarter each.
	h.planes = math.Max(planes, 1)
	if len(comps) == 4 {
		h.planes += 4 // the CMYK image it converts its YCbCr and K planes to
	}
	if h.Progressive {
		h.scratch = 4 * planes // one int32 a sample, kept until the last scan
	}
	return nil
}

// profileBound is an upper bound of the bytes of the ICC profile data
// embeds, read from its chunk or segment lengths: a PNG's iCCP inflates
// to at most 1,032 times its length (zlib's largest ratio), a JPEG's
// profile is its ICC_PROFILE APP2 segments, a WebP's its ICCP chunk; a
// TIFF's, AVIF's or HEIC's is taken as the file's size. Zero means none.
func profileBound(f Format, data []byte) int {
	be := binary.BigEndian
	switch f {
	case PNG:
		for i := 8; i+8 <= len(data); {
			n, typ := int(be.Uint32(data[i:])), string(data[i+4:i+8])
			switch {
			case typ == "iCCP":
				return min(colour.MaxProfileBytes, 1032*n)
			case typ == "IDAT", n < 0, n > len(data):
				return 0
			}
			i += 12 + n
		}
	case JPEG:
		total := 0
		walkJPEG(data, func(m byte, seg []byte) {
			if m == 0xE2 && bytes.HasPrefix(seg, iccMarker) {
				total += len(seg)
			}
		})
		return total
	case WebP:
		for i := 12; i+8 <= len(data); {
			n, typ := int(binary.LittleEndian.Uint32(data[i+4:])), string(data[i:i+4])
			if typ == "ICCP" {
				return n
			}
			if n < 0 || n > len(data) {
				return 0
			}
			i += 8 + n + n&1
		}
	case TIFF, AVIF, HEIC:
		return len(data)
	}
	return 0
}
