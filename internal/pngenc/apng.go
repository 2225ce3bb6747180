package pngenc

import (
	"encoding/binary"
	"image"
	"io"
)

// Dispose says what becomes of a frame's area before the next frame is
// drawn (APNG dispose_op).
type Dispose uint8

const (
	DisposeNone       Dispose = 0 // left as it is
	DisposeBackground Dispose = 1 // cleared to transparent black
	DisposePrevious   Dispose = 2 // restored to what it was before the frame
)

// Blend says how a frame is drawn over the canvas (APNG blend_op).
type Blend uint8

const (
	BlendSource Blend = 0 // replaces the area, alpha included
	BlendOver   Blend = 1 // composited over it
)

// Frame is one frame of an Animation. Its image's Bounds are its place on
// the canvas, which it must lie within.
type Frame struct {
	Image image.Image
	// The frame shows for DelayNum/DelayDen seconds; a zero DelayDen
	// means hundredths (APNG).
	DelayNum, DelayDen uint16
	Dispose            Dispose
	Blend              Blend
}

// Animation is an APNG: frames drawn in turn on a canvas of Width×Height
// with its top-left corner at (0, 0). The first frame must cover the
// whole canvas: it is also the still image that decoders without APNG
// support show.
type Animation struct {
	Width, Height int
	Frames        []Frame
	// Loops is how many times the animation plays; zero means forever.
	Loops uint32
}

// EncodeAnimation writes a as an APNG with the chunks meta asks for. All
// frames share one colour type and depth, the smallest lossless one for
// all of them. The bytes depend only on a, meta and the mode.
func (e *Encoder) EncodeAnimation(w io.Writer, a Animation, meta Meta) error {
	canvas := image.Rect(0, 0, a.Width, a.Height)
	if err := checkSize(canvas); err != nil {
		return err
	}
	if len(a.Frames) == 0 {
		return FormatError("an animation without frames")
	}
	ms := make([]image.Image, len(a.Frames))
	for i, fr := range a.Frames {
		b := fr.Image.Bounds()
		if b.Empty() || !b.In(canvas) {
			return FormatError("frame " + b.String() + " lies outside the canvas " + canvas.String())
		}
		if fr.Dispose > DisposePrevious || fr.Blend > BlendOver {
			return FormatError("unknown dispose or blend operation")
		}
		ms[i] = fr.Image
	}
	if ms[0].Bounds() != canvas {
		return FormatError("the first frame must cover the canvas")
	}
	fs := analyzeFrames(ms, e.workers(), meta.colourProfile())
	actl := binary.BigEndian.AppendUint32(nil, uint32(len(a.Frames)))
	actl = binary.BigEndian.AppendUint32(actl, a.Loops)
	if err := e.writeHead(w, canvas.Size(), fs[0], meta, actl); err != nil {
		return err
	}
	var seq uint32
	for i, fr := range a.Frames {
		b := fr.Image.Bounds()
		fctl := binary.BigEndian.AppendUint32(nil, seq)
		for _, v := range []int{b.Dx(), b.Dy(), b.Min.X, b.Min.Y} {
			fctl = binary.BigEndian.AppendUint32(fctl, uint32(v))
		}
		fctl = binary.BigEndian.AppendUint16(fctl, fr.DelayNum)
		fctl = binary.BigEndian.AppendUint16(fctl, fr.DelayDen)
		fctl = append(fctl, byte(fr.Dispose), byte(fr.Blend))
		if err := writeChunk(w, "fcTL", fctl); err != nil {
			return err
		}
		seq++
		var s *uint32
		if i > 0 {
			s = &seq
		}
		if err := e.writeIDATs(w, fs[i], b, s); err != nil {
			return err
		}
	}
	return writeChunk(w, "IEND", nil)
}
