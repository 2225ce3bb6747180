package library

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pngd/pngd/internal/colour"
	"github.com/pngd/pngd/internal/pngenc"
	"github.com/pngd/pngd/internal/store"
)

// What Info tells of a stored image is in the stored PNG's first chunks,
// which pngd writes in this order: IHDR (size, depth, colour type), an
// APNG's acTL (frames, plays) and plAY (one play's duration), then iCCP,
// whose name is the profile's description (or sRGB). Info reads headBytes
// and parses nothing else: no profile, no frame.
const headBytes = 8 + 25 + 20 + 16 + 8 + 80

// playType is the private chunk that holds an animation's duration: one
// play of every frame, in milliseconds, as a 4-byte big-endian number.
// Ancillary, private, and not safe to copy (an editor that changes the
// frames invalidates it).
const playType = "plAY"

// playChunk is the plAY chunk for a; none for a still image.
func playChunk(a *Animation) []pngenc.Chunk {
	if a == nil {
		return nil
	}
	ms := min(a.Duration.Milliseconds(), 1<<32-1)
	return []pngenc.Chunk{{Type: playType, Data: binary.BigEndian.AppendUint32(nil, uint32(ms))}}
}

// ihdr is a stored PNG's description, the IHDR fields that say how it
// decodes, and its acTL's: frames is 0 for a still image.
type ihdr struct {
	im               Image
	depth, colorType byte
	frames, loops    int
	// played is whether a plAY chunk gave the duration.
	played bool
}

// Info describes the image with id from the first headBytes of its PNG.
// Errors: ErrNotFound, store.ErrUnavailable.
func (l *Library) Info(ctx context.Context, id string) (Image, error) {
	h, err := l.readHead(ctx, id, headBytes)
	if err != nil {
		return Image{}, err
	}
	if h.frames > 1 && !h.played {
		// An APNG without plAY, written before pngd wrote one: its
		// frame controls, read as a stream that holds one chunk header
		// at a time.
		if h.im.Animation.Duration, err = l.playTime(ctx, id); err != nil {
			return Image{}, err
		}
	}
	if h.im.Placeholder, err = l.placeholder(ctx, id); err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, store.ErrUnavailable) {
			return Image{}, err
		}
		// Busy, or an image whose placeholders cannot be made: described
		// without them, and tried again next time.
		l.d.opts.Logger.WarnContext(ctx, "an image's placeholders were not made", "id", id, "err", err)
		h.im.Placeholder = nil
	}
	return h.im, nil
}

// header reads the stored PNG's IHDR and acTL. Errors: ErrNotFound,
// store.ErrUnavailable.
func (l *Library) header(ctx context.Context, id string) (ihdr, error) {
	// Signature, IHDR, and an APNG's acTL.
	return l.readHead(ctx, id, 8+25+20)
}

func (l *Library) readHead(ctx context.Context, id string, n int64) (ihdr, error) {
	r, err := l.Open(ctx, id, 0, n)
	if err != nil {
		return ihdr{}, err
	}
	defer r.Close()
	head, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return ihdr{}, fmt.Errorf("reading %s: %w", key(id), err)
	}
	h, err := parseHead(head)
	if err != nil {
		return ihdr{}, fmt.Errorf("stored object %s: %w", key(id), err)
	}
	h.im.ID, h.im.Size, h.im.Created = id, r.Size(), r.ModTime()
	return h, nil
}

// parseHead reads what head, the first bytes of a stored PNG, says: the
// IHDR, then the chunks before the first whose header or (but for iCCP's
// name) body head cuts.
func parseHead(head []byte) (ihdr, error) {
	if len(head) < 33 || string(head[12:16]) != "IHDR" {
		return ihdr{}, errors.New("not a PNG")
	}
	be := binary.BigEndian
	h := ihdr{
		im:    Image{Width: int(be.Uint32(head[16:])), Height: int(be.Uint32(head[20:]))},
		depth: head[24], colorType: head[25],
	}
	h.im.Colour = &Colour{Space: "RGB", Profile: "sRGB"}
	for i := 33; i+8 <= len(head); {
		n, typ := int(be.Uint32(head[i:])), string(head[i+4:i+8])
		body := head[i+8 : min(len(head), i+8+n)]
		switch typ {
		case "acTL":
			if len(body) >= 8 {
				h.frames, h.loops = int(be.Uint32(body)), int(be.Uint32(body[4:]))
				h.im.Animation = &Animation{Frames: h.frames, Loops: h.loops}
			}
		case playType:
			if len(body) >= 4 && h.im.Animation != nil {
				h.im.Animation.Duration = time.Duration(be.Uint32(body)) * time.Millisecond
				h.played = true
			}
		case "cICP":
			// It comes before iCCP and wins over it (PNG §11.3.2.6).
			if len(body) >= 4 && (body[1] == colour.TransferPQ || body[1] == colour.TransferHLG) {
				p, _ := colour.HDRProfile(colour.HDR{CICP: [4]uint8(body[:4])})
				if p != nil {
					h.im.Colour = colourOf(p)
					return h, nil
				}
			}
		case "iCCP":
			// The name, up to its NUL; PNG puts an RGB profile only on a
			// colour image and a grey one only on a grey image.
			name := body[:min(len(body), 80)]
			for k, c := range name {
				if c == 0 {
					name = name[:k]
					break
				}
			}
			h.im.Colour = &Colour{Space: "RGB", Profile: string(name), Embedded: true}
			if h.colorType == 0 || h.colorType == 4 {
				h.im.Colour.Space = "GRAY"
			}
		}
		if typ == "IDAT" || typ == "PLTE" || i+12+n > len(head) {
			break
		}
		i += 12 + n
	}
	if h.frames <= 1 {
		h.im.Animation = nil
	}
	return h, nil
}

// playTime adds up the delays of a stored APNG's frame controls, reading
// the object as a stream and skipping every other chunk's body: memory
// stays one buffer, whatever the file's size. Errors: ErrNotFound,
// store.ErrUnavailable.
func (l *Library) playTime(ctx context.Context, id string) (time.Duration, error) {
	r, err := l.Open(ctx, id, 0, -1)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 4<<10)
	if _, err := br.Discard(8); err != nil {
		return 0, fmt.Errorf("reading %s: %w", key(id), err)
	}
	var total time.Duration
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return total, nil // the end, or a short object: what was read
		}
		n, typ := int(binary.BigEndian.Uint32(hdr[:])), string(hdr[4:])
		if typ == "IEND" {
			return total, nil
		}
		if typ == "fcTL" && n >= 26 {
			var f [26]byte
			if _, err := io.ReadFull(br, f[:]); err != nil {
				return total, nil
			}
			total += delay(binary.BigEndian.Uint16(f[20:]), binary.BigEndian.Uint16(f[22:]))
			n -= 26
		}
		if _, err := br.Discard(n + 4); err != nil {
			if errors.Is(err, io.EOF) {
				return total, nil
			}
			return 0, fmt.Errorf("reading %s: %w", key(id), err)
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
}
