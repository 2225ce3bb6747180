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
	"hash/crc32"
	"image"
	"io"
	"math/bits"
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

func (e *Encoder) workers() int {
	if e.Workers > 0 {
		return e.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Encode writes m to w as PNG.
func (e *Encoder) Encode(w io.Writer, m image.Image) error {
	return e.EncodeMeta(w, m, Meta{})
}

// EncodeMeta writes m to w as PNG with the chunks meta asks for.
func (e *Encoder) EncodeMeta(w io.Writer, m image.Image, meta Meta) error {
	b := m.Bounds()
	if err := checkSize(b); err != nil {
		return err
	}
	f := analyze(m, e.workers(), meta.colourProfile())
	if err := e.writeHead(w, b.Size(), f, meta, nil); err != nil {
		return err
	}
	if err := e.writeIDATs(w, f, b, nil); err != nil {
		return err
	}
	return writeChunk(w, "IEND", nil)
}

func checkSize(b image.Rectangle) error {
	if b.Dx() <= 0 || b.Dy() <= 0 || int64(b.Dx())*int64(b.Dy()) > 1<<32 {
		return FormatError("invalid image size: " + b.String())
	}
	return nil
}

// writeHead writes the signature, IHDR, the colour and size chunks of
// meta, PLTE and tRNS, and acTL for an animation.
func (e *Encoder) writeHead(w io.Writer, size image.Point, f format, meta Meta, actl []byte) error {
	if err := meta.check(); err != nil {
		return err
	}
	if meta.grayProfile() && f.colorType != ctGray && f.colorType != ctGrayAlpha {
		return FormatError("a grey ICC profile on a colour image (PNG §11.3.3.3)")
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	writeIHDR(&out, size.X, size.Y, f)
	// acTL right after IHDR (APNG asks only that it come before IDAT):
	// a reader of the first 53 bytes knows whether the image is animated.
	if actl != nil {
		writeChunk(&out, "acTL", actl)
	}
	meta.write(&out)
	if f.palette != nil {
		writePLTE(&out, f.palette)
		writeTRNS(&out, f.palette)
	}
	_, err := w.Write(out.Bytes())
	return err
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

// writeChunk writes a chunk of type typ whose data is the parts joined.
func writeChunk(w io.Writer, typ string, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(n))
	copy(head[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	for _, p := range parts {
		crc.Write(p)
	}
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	all := append(append([][]byte{head[:]}, parts...), tail[:])
	for _, p := range all {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// strip is one strip's deflated rows, their length and Adler-32.
type strip struct {
	buf   *bytes.Buffer // pooled; data is its bytes
	data  []byte
	raw   int64
	adler uint32
}

// writeIDATs deflates the strips in parallel and writes them in order, one
// IDAT chunk each: the first begins with the zlib header, the last ends
// with the combined Adler-32 (RFC 1950). At most Workers strips are in
// memory at once beyond the one being written.
//
// With seq set, the chunks are fdAT instead, each led by the next sequence
// number (APNG).
func (e *Encoder) writeIDATs(w io.Writer, f format, b image.Rectangle, seq *uint32) error {
	height := b.Dy()
	rowLen := f.rowBytes(b.Dx())
	rows := max(1, stripBytes/(rowLen+1))
	n := (height + rows - 1) / rows
	workers := e.workers()

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
				results[i] <- deflateStrip(f, b, rowLen, y0, y1, e.Mode, i == n-1)
			}()
		}
	}()

	var adler uint32 = 1
	for i := range n {
		s := <-results[i]
		<-sem
		adler = adlerCombine(adler, s.adler, s.raw)
		data := s.data
		if i == n-1 {
			data = binary.BigEndian.AppendUint32(data, adler)
		}
		if bb, ok := w.(*bytes.Buffer); ok && i == 0 && n > 1 {
			// Room for the strips to come, if they are like the first: a
			// buffer that grows by doubling allocated, zeroed and copied
			// about twice the output (a fifth of an upload's CPU). At most
			// n strips of deflate's worst case, within the 1.5× of the
			// pixels that MemoryBytes allows for the output.
			bb.Grow(n*len(data) + len(data)/8)
		}
		var err error
		if seq == nil {
			err = writeChunk(w, "IDAT", data)
		} else {
			err = writeChunk(w, "fdAT", binary.BigEndian.AppendUint32(nil, *seq), data)
			*seq++
		}
		bufPool.Put(s.buf)
		if err != nil {
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

// window is deflate's history: a strip's dictionary is the previous
// strip's last window bytes of filtered lines.
const window = 32 << 10

// filteredLines hands the filtered lines of rows y0..y1 (relative to b)
// to emit as they are made. Each row's filter depends only on that row and
// the one above, never on where a strip begins, so a strip and the
// dictionary of the strip after it filter the same row to the same bytes.
//
// Stored mode tries the five filters on every row and keeps the line with
// the smallest sum of signed magnitudes (libpng's heuristic). Fast mode
// does that on every 8th row only, and filters the rows up to the next one
// so chosen with the same filter. Paletted rows are not filtered (PNG
// §12.8).
func filteredLines(f format, b image.Rectangle, rowLen, y0, y1 int, mode Mode, emit func(line []byte)) {
	row := f.rows()
	prev, cur := make([]byte, rowLen), make([]byte, rowLen)
	if y0 > 0 {
		row(prev, b.Min.Y+y0-1)
	}
	fl := newFilters(rowLen)
	ft := byte(ftNone)
	if s := y0 - y0%fastSample; mode == Fast && s < y0 {
		// y0 takes the filter its last sample row chose: the one the
		// strip holding them both used.
		sprev, scur := make([]byte, rowLen), make([]byte, rowLen)
		if s > 0 {
			row(sprev, b.Min.Y+s-1)
		}
		row(scur, b.Min.Y+s)
		ft = fl.best(scur, sprev, f.bpp)[0]
	}
	for y := y0; y < y1; y++ {
		row(cur, b.Min.Y+y)
		switch {
		case f.colorType == ctPaletted:
			emit(fl.none(cur))
		case mode == Stored || y%fastSample == 0:
			line := fl.best(cur, prev, f.bpp)
			ft = line[0]
			emit(line)
		default:
			emit(fl.one(cur, prev, ft, f.bpp))
		}
		prev, cur = cur, prev
	}
}

// fastSample is how often Fast mode chooses a filter: every this many rows.
const fastSample = 4

// deflateStrip filters rows y0..y1 and deflates them, ending with a sync
// flush, or with the final block for the last strip. How depends on the
// mode and on what the filtered bytes look like (see compress).
func deflateStrip(f format, b image.Rectangle, rowLen, y0, y1 int, mode Mode, last bool) strip {
	lp := linesPool.Get().(*[]byte)
	defer linesPool.Put(lp)
	lines := (*lp)[:0]
	zeros, sampled := 0, 0
	filteredLines(f, b, rowLen, y0, y1, mode, func(line []byte) {
		if (y0+len(lines)/(rowLen+1))%fastSample == 0 {
			zeros += countZeros(line[1:])
			sampled += rowLen
		}
		lines = append(lines, line...)
	})
	dict := func() []byte {
		if y0 == 0 {
			return nil
		}
		var d []byte
		from := max(0, y0-(window+rowLen)/(rowLen+1))
		filteredLines(f, b, rowLen, from, y0, mode, func(line []byte) { d = append(d, line...) })
		return d[max(0, len(d)-window):]
	}
	// Filtered photographs are close to noise around zero: Huffman
	// coding alone compresses them as well as LZ77 does, several times
	// faster, and klauspost's fast levels store such blocks nearly raw.
	// Palette indices, and filtered rows that are mostly zeros (flat
	// areas), repeat: they need LZ77. Fast mode codes with pngd's own
	// coders (huffman.go, lz.go: a table a strip); stored mode with
	// klauspost's, whose bytes the ids of uploads are hashes of.
	lz := f.colorType == ctPaletted || zeros*5 > sampled*4
	*lp = lines
	first := y0 == 0
	var buf *bytes.Buffer
	switch {
	case mode == Fast && lz:
		buf = lzStrip(lines, rowLen+1, first, last)
	case mode == Fast:
		buf = huffmanStrip(lines, first, last)
	case f.colorType == ctPaletted:
		// Stored palette indices (heatmaps): the strongest level.
		buf = deflate(lines, flate.BestCompression, dict(), first, last)
	case zeros*4 < sampled:
		// Stored, and few zeros: noise-like rows (photographs, and every
		// JPEG upload), where LZ77 cannot win by much.
		buf = deflate(lines, flate.HuffmanOnly, nil, first, last)
	default:
		// Stored: written once, so try both and keep the smaller.
		buf = deflate(lines, flate.HuffmanOnly, nil, first, last)
		if z := deflate(lines, storedLevel, dict(), first, last); z.Len() < buf.Len() {
			bufPool.Put(buf)
			buf = z
		} else {
			bufPool.Put(z)
		}
	}
	return strip{buf: buf, data: buf.Bytes(), raw: int64(len(lines)), adler: adlerChecksum(lines)}
}

// countZeros is how many bytes of p are zero, eight at a time: a byte's
// top bit in z is set exactly when the byte is zero (adding 0x7f to its
// low seven bits carries into the top bit unless they are all zero).
func countZeros(p []byte) int {
	const low7 = 0x7f7f7f7f7f7f7f7f
	n, i := 0, 0
	for ; i+8 <= len(p); i += 8 {
		v := binary.LittleEndian.Uint64(p[i:])
		z := ^((v&low7 + low7) | v | low7)
		n += bits.OnesCount64(z)
	}
	for _, v := range p[i:] {
		if v == 0 {
			n++
		}
	}
	return n
}

var (
	linesPool = sync.Pool{New: func() any { return new([]byte) }}
	bufPool   = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	// writers holds klauspost/compress writers by level: their state is
	// hundreds of kilobytes, too much to allocate for every strip.
	writers sync.Map // level → *sync.Pool of *flate.Writer
)

// storedLevel is klauspost/compress's level for Stored mode's LZ77 tries.
const storedLevel = 6

// deflate compresses p with dict as the history, ending with the final
// block when last, else with a sync flush.
// The first strip begins with the zlib header. The buffer is pooled.
func deflate(p []byte, level int, dict []byte, first, last bool) *bytes.Buffer {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if first {
		buf.Write([]byte{0x78, 0x01}) // CMF, FLG: deflate, 32K window, no preset dictionary
	}
	pool, _ := writers.LoadOrStore(level, &sync.Pool{})
	zw, _ := pool.(*sync.Pool).Get().(*flate.Writer)
	if zw == nil {
		zw, _ = flate.NewWriterDict(buf, level, dict)
	} else {
		zw.ResetDict(buf, dict)
	}
	zw.Write(p)
	if last {
		zw.Close()
	} else {
		zw.Flush()
	}
	pool.(*sync.Pool).Put(zw)
	return buf
}

// MemoryBytes is the most memory Encode allocates for a w×h image of bpp
// bytes a pixel, beyond the image and beyond what w does with the bytes:
// the strips in flight (each its filtered rows, its deflated bytes and a
// deflate writer's state, of at most about a megabyte) for workers
// strips at once, and the colour analysis. A caller that collects the
// output in a growing buffer adds up to twice the raw rows for it.
func MemoryBytes(w, h, bpp, workers int) int64 {
	row := int64(w)*int64(bpp) + 1
	strip := max(int64(stripBytes), row) // a strip holds at least one row
	return int64(max(1, workers))*(2*strip+2*window+1<<20) + 8*row + 64<<10
}
