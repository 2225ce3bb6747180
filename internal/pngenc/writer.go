// Package pngenc writes PNG images fast, in parallel and deterministically.
//
// The image is cut into strips of rows. Each strip is filtered with one
// filter, chosen from a sample of its rows, and deflated on its own core;
// the strips' deflate streams, each ended by a sync flush but the last,
// are joined into one zlib stream, whose Adler-32 is combined from the
// strips' (as pigz joins its blocks). Strip boundaries depend only on the
// image, never on the number of workers, so the bytes are the same on any
// machine.
//
// Encode picks the smallest lossless colour type: opaque images lose their
// alpha channel, grey ones their colour, and images of at most 256 colours
// become paletted (with tRNS when some are translucent).
//
// The package imports nothing of pngd's.
package pngenc

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
	"image"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
)

// Mode trades speed for size.
type Mode int

const (
	// Fast is for images made per request: klauspost/compress's fastest
	// deflate level.
	Fast Mode = iota
	// Stored is for images written once and read many times: a stronger
	// deflate level, still in parallel.
	Stored
)

// stripBytes is about how many bytes of raw rows one strip holds.
const stripBytes = 256 << 10

// Encoder writes PNG. Its zero value works: Fast mode, as many workers as
// GOMAXPROCS.
type Encoder struct {
	// Mode is Fast or Stored.
	Mode Mode
	// Workers is how many strips are deflated at once; zero means
	// GOMAXPROCS. It never changes the bytes written.
	Workers int
}

// Encode writes m to w as PNG.
func Encode(w io.Writer, m image.Image) error {
	var e Encoder
	return e.Encode(w, m)
}

// Encode writes m to w as PNG.
func (e *Encoder) Encode(w io.Writer, m image.Image) error {
	b := m.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 || int64(b.Dx())*int64(b.Dy()) > 1<<32 {
		return FormatError("invalid image size: " + b.String())
	}
	f := analyze(m)
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	writeIHDR(&out, b.Dx(), b.Dy(), f)
	if f.palette != nil {
		writePLTE(&out, f.palette)
		writeTRNS(&out, f.palette)
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return err
	}
	if err := e.writeIDATs(w, f, b); err != nil {
		return err
	}
	return writeChunk(w, "IEND", nil)
}

// FormatError is an image Encode cannot write.
type FormatError string

func (e FormatError) Error() string { return "pngenc: " + string(e) }

func writeIHDR(w *bytes.Buffer, width, height int, f format) {
	var b [13]byte
	binary.BigEndian.PutUint32(b[0:], uint32(width))
	binary.BigEndian.PutUint32(b[4:], uint32(height))
	b[8], b[9] = f.depth, f.colorType
	writeChunk(w, "IHDR", b[:])
}

func writePLTE(w *bytes.Buffer, p []rgba8) {
	b := make([]byte, 0, 3*len(p))
	for _, c := range p {
		b = append(b, c.r, c.g, c.b)
	}
	writeChunk(w, "PLTE", b)
}

// writeTRNS writes the palette's alphas up to the last translucent one,
// if any is.
func writeTRNS(w *bytes.Buffer, p []rgba8) {
	last := -1
	for i, c := range p {
		if c.a != 0xff {
			last = i
		}
	}
	if last < 0 {
		return
	}
	b := make([]byte, last+1)
	for i := range b {
		b[i] = p[i].a
	}
	writeChunk(w, "tRNS", b)
}

func writeChunk(w io.Writer, typ string, data []byte) error {
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(data)))
	copy(head[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	for _, p := range [][]byte{head[:], data, tail[:]} {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// strip is one strip's deflated rows, their length and Adler-32.
type strip struct {
	data  []byte
	raw   int64
	adler uint32
}

// writeIDATs deflates the strips in parallel and writes them in order, one
// IDAT chunk each: the first begins with the zlib header, the last ends
// with the combined Adler-32 (RFC 1950). At most Workers strips are in
// memory at once beyond the one being written.
func (e *Encoder) writeIDATs(w io.Writer, f format, b image.Rectangle) error {
	height := b.Dy()
	rowLen := f.rowBytes(b.Dx())
	rows := max(1, stripBytes/(rowLen+1))
	n := (height + rows - 1) / rows
	workers := e.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	level := flate.BestSpeed
	if e.Mode == Stored {
		level = 6
	}

	results := make([]chan strip, n)
	for i := range results {
		results[i] = make(chan strip, 1)
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	go func() {
		for i := range n {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				y0, y1 := i*rows, min((i+1)*rows, height)
				results[i] <- deflateStrip(f, b, rowLen, y0, y1, level, i == n-1)
			}()
		}
	}()

	var adler uint32 = 1
	for i := range n {
		s := <-results[i]
		<-sem
		adler = adlerCombine(adler, s.adler, s.raw)
		data := s.data
		if i == 0 {
			data = append([]byte{0x78, 0x01}, data...) // CMF, FLG: deflate, 32K window, no dictionary
		}
		if i == n-1 {
			data = binary.BigEndian.AppendUint32(data, adler)
		}
		if err := writeChunk(w, "IDAT", data); err != nil {
			// Let the workers still running finish into their buffers.
			go func() {
				for j := i + 1; j < n; j++ {
					<-results[j]
					<-sem
				}
			}()
			return err
		}
	}
	wg.Wait()
	return nil
}

// deflateStrip filters rows y0..y1 (relative to b) with the filter a sample
// of them prefers and deflates them, ending with a sync flush, or with the
// final block for the last strip.
func deflateStrip(f format, b image.Rectangle, rowLen, y0, y1, level int, last bool) strip {
	prev := make([]byte, rowLen)
	cur := make([]byte, rowLen)
	if y0 > 0 {
		f.row(prev, b.Min.Y+y0-1)
	}
	ft := f.chooseFilter(b, rowLen, y0, y1)
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, level)
	h := adler32.New()
	line := make([]byte, rowLen+1)
	for y := y0; y < y1; y++ {
		f.row(cur, b.Min.Y+y)
		line[0] = ft
		filterRow(line[1:], cur, prev, ft, f.bpp)
		zw.Write(line)
		h.Write(line)
		prev, cur = cur, prev
	}
	if last {
		zw.Close()
	} else {
		zw.Flush()
	}
	return strip{data: buf.Bytes(), raw: int64(y1-y0) * int64(rowLen+1), adler: h.Sum32()}
}
