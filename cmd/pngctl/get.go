package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/bytesize"
	"github.com/pngd/pngd/sign"
)

var idPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// transformFlags are get's image parameters, set only when given.
type transformFlags struct {
	w, h, rotate, colors, quality       int
	fit, gravity, flip, preset, sigFlag string
	grayscale                           bool
	blur, dpr, dither                   float64
	maxBytes                            byteCount
	fx, fy, trim                        float64
	background                          string
	radius                              int
	overlay, overlayGravity             string
	overlayScale, overlayOpacity        float64
	overlayMargin                       int
}

// byteCount is a -max-bytes value: a number of bytes, or one with a unit
// (50KB, 1.5MiB), from 1 byte to 1 GiB as the spec allows.
type byteCount int64

func (b *byteCount) String() string { return bytesize.Format(int64(*b)) }

func (b *byteCount) Set(s string) error {
	v, err := bytesize.Parse(s)
	if err != nil {
		return err
	}
	if v < 1 || v > 1<<30 {
		return fmt.Errorf("%q is not a size from 1 byte to 1 GiB", s)
	}
	*b = byteCount(v)
	return nil
}

func (t *transformFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&t.w, "width", 0, "output width in pixels")
	fs.IntVar(&t.w, "w", 0, "short for -width")
	fs.IntVar(&t.h, "height", 0, "output height in pixels")
	fs.StringVar(&t.fit, "fit", "", "contain, cover, fill or pad, with -width and -height")
	fs.StringVar(&t.gravity, "gravity", "", "what -fit cover keeps (center, north, southeast, ..., or smart: what draws the eye), or where -fit pad places the picture")
	fs.Float64Var(&t.fx, "fx", 0, "with -fy, a focal point that -fit cover keeps near the centre: a fraction of the width, 0 to 1")
	fs.Float64Var(&t.fy, "fy", 0, "the focal point's fraction of the height, 0 to 1")
	fs.StringVar(&t.background, "background", "", "RRGGBB or RRGGBBAA: fills what -fit pad adds, and flattens transparency")
	fs.Float64Var(&t.trim, "trim", 0, "cut borders of the top-left pixel's colour first; this threshold (0 to 255) says how different a pixel must be to stay")
	fs.IntVar(&t.radius, "radius", 0, "round the corners with this radius in output pixels")
	fs.StringVar(&t.overlay, "overlay", "", "the id of another stored image to draw over the output (a watermark)")
	fs.StringVar(&t.overlayGravity, "overlay-gravity", "", "where -overlay sits (default southeast)")
	fs.Float64Var(&t.overlayScale, "overlay-scale", 0, "-overlay's width as a fraction of the output's (default 0.25)")
	fs.Float64Var(&t.overlayOpacity, "overlay-opacity", 0, "-overlay's opacity, 0 to 1 (default 1)")
	fs.IntVar(&t.overlayMargin, "overlay-margin", 0, "output pixels between -overlay and the edges it is placed against")
	fs.IntVar(&t.rotate, "rotate", 0, "clockwise degrees: 90, 180 or 270")
	fs.StringVar(&t.flip, "flip", "", "mirror: h, v or hv")
	fs.BoolVar(&t.grayscale, "grayscale", false, "drop the colour")
	fs.Float64Var(&t.blur, "blur", 0, "Gaussian blur sigma, in output pixels")
	fs.Float64Var(&t.dpr, "dpr", 0, "device pixel ratio, multiplying -width and -height")
	fs.IntVar(&t.colors, "colors", 0, "a palette PNG of at most this many colours, 2 to 256")
	fs.IntVar(&t.quality, "quality", 0, "the fewest palette colours within 20 + 0.3×quality dB of lossless (60: 38 dB); 100: lossless")
	fs.Float64Var(&t.dither, "dither", 0, "the palette's dithering, 0 to 1 (default 1)")
	fs.Var(&t.maxBytes, "max-bytes", "the best PNG in at most this many bytes (50000, 50KB)")
	fs.StringVar(&t.preset, "preset", "", "a preset the server defines")
	fs.StringVar(&t.sigFlag, "sig", "", "a signature made elsewhere (pngctl signs itself when it has -signing-key)")
}

// fileName is where get writes without -o: ID.png for the stored image,
// and for a derived one the id followed by the transform flags given, in
// name order, so that it never overwrites the original:
// ID_fit-cover_height-60_width-60.png.
func (t *transformFlags) fileName(fs *flag.FlagSet, id string) string {
	var b strings.Builder
	b.WriteString(id)
	fs.Visit(func(f *flag.Flag) {
		name := f.Name
		switch name {
		case "w":
			name = "width"
		case "sig", "o", "retries", "signing-key":
			return
		}
		b.WriteString("_" + name)
		if v := f.Value.String(); v != "true" {
			b.WriteString("-" + strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
					return r
				}
				return '-'
			}, v))
		}
	})
	return b.String() + ".png"
}

// params are the flags that fs saw, as the generated client's parameters.
func (t *transformFlags) params(fs *flag.FlagSet) gen.GetImageParams {
	var p gen.GetImageParams
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "w", "width":
			p.W = &t.w
		case "height":
			p.H = &t.h
		case "fit":
			v := gen.Fit(t.fit)
			p.Fit = &v
		case "gravity":
			v := gen.Gravity(t.gravity)
			p.Gravity = &v
		case "rotate":
			v := gen.Rotate(t.rotate)
			p.Rotate = &v
		case "flip":
			v := gen.Flip(t.flip)
			p.Flip = &v
		case "grayscale":
			p.Grayscale = &t.grayscale
		case "blur":
			p.Blur = &t.blur
		case "dpr":
			p.Dpr = &t.dpr
		case "colors":
			p.Colors = &t.colors
		case "quality":
			p.Quality = &t.quality
		case "dither":
			p.Dither = &t.dither
		case "max-bytes":
			v := int64(t.maxBytes)
			p.MaxBytes = &v
		case "fx":
			p.Fx = &t.fx
		case "fy":
			p.Fy = &t.fy
		case "background":
			p.Background = &t.background
		case "trim":
			p.Trim = &t.trim
		case "radius":
			p.Radius = &t.radius
		case "overlay":
			p.Overlay = &t.overlay
		case "overlay-gravity":
			v := gen.OverlayGravity(t.overlayGravity)
			p.OverlayGravity = &v
		case "overlay-scale":
			p.OverlayScale = &t.overlayScale
		case "overlay-opacity":
			p.OverlayOpacity = &t.overlayOpacity
		case "overlay-margin":
			p.OverlayMargin = &t.overlayMargin
		case "preset":
			p.Preset = &t.preset
		case "sig":
			p.Sig = &t.sigFlag
		}
	})
	return p
}

// signer returns a request editor that signs a derived image's URL with
// key, as a server with -signing-key wants, or nil without a key.
func signer(key string) gen.RequestEditorFn {
	if key == "" {
		return nil
	}
	return func(_ context.Context, r *http.Request) error {
		q := r.URL.Query()
		if q.Get(sign.Param) != "" {
			return nil // -sig given
		}
		q.Del(sign.Param)
		if len(q) == 0 {
			return nil // the stored image needs none
		}
		q.Set(sign.Param, sign.Sign([]byte(key), r.URL.EscapedPath(), q))
		r.URL.RawQuery = q.Encode()
		return nil
	}
}

// getResult is get's outcome, as printed with -json.
type getResult struct {
	File        string `json:"file"`
	Bytes       int64  `json:"bytes"`
	ResumedFrom int64  `json:"resumed_from,omitempty"` // bytes a .part held at the start
	Resumes     int    `json:"resumes,omitempty"`      // times the download was cut off and resumed
	ETag        string `json:"etag"`
}

func runGet(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("get", g.env)
	var t transformFlags
	t.register(fs)
	out := fs.String("o", "", "file to write (default ID.png, or for a derived image ID_ and its flags, as ID_width-256.png; - for stdout); a partial download is kept in FILE.part and resumed")
	retries := fs.Int("retries", 3, "times to resume a download cut off mid-way before giving up")
	signingKey := fs.String("signing-key", "", "the server's signing key, to sign derived-image URLs (default $PNGD_SIGNING_KEY)")
	args, err := g.parse(fs, args, "get ID [-width N] [-height N] [-fit F] [... transform flags] [-o FILE]")
	if err != nil {
		return err
	}
	if len(args) != 1 || !idPattern.MatchString(args[0]) {
		return usageErr("pngctl get: give one image id (64 lowercase hex digits)")
	}
	id := args[0]
	key := *signingKey
	if key == "" {
		key = g.env.getenv("PNGD_SIGNING_KEY")
	}
	params := t.params(fs)
	c, err := g.client()
	if err != nil {
		return err
	}
	var editors []gen.RequestEditorFn
	if s := signer(key); s != nil {
		editors = append(editors, s)
	}
	if *out == "-" {
		resp, err := c.GetImage(ctx, id, &params, editors...)
		if err != nil {
			return netErr(g, err)
		}
		if resp.StatusCode != http.StatusOK {
			return answerErr(resp)
		}
		defer resp.Body.Close()
		if _, err := io.Copy(g.env.stdout, resp.Body); err != nil {
			return &cliError{exitFailed, "download cut off: " + err.Error()}
		}
		return nil
	}
	if *out == "" {
		*out = t.fileName(fs, id)
	}
	res, err := download(ctx, g, c, id, params, editors, *out, *retries)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(res)
	}
	note := ""
	if res.ResumedFrom > 0 {
		note += fmt.Sprintf(" (resumed at %d)", res.ResumedFrom)
	}
	if res.Resumes > 0 {
		note += fmt.Sprintf(" (cut off and resumed %d times)", res.Resumes)
	}
	fmt.Fprintf(g.env.stdout, "%s  %d bytes%s\n", res.File, res.Bytes, note)
	return nil
}

// download writes the image to out through out.part: it asks HEAD for the
// size and ETag, then GETs what the .part lacks, with Range and If-Range
// when some is there, and resumes the same way, up to retries times, when
// the connection breaks. A 200 instead of a 206 (the image changed, or the
// server ignored Range) starts the file over.
func download(ctx context.Context, g *globals, c *gen.Client, id string, params gen.GetImageParams, editors []gen.RequestEditorFn, out string, retries int) (getResult, error) {
	res := getResult{File: out}
	head := gen.HeadImageParams(params)
	resp, err := c.HeadImage(ctx, id, &head, editors...)
	if err != nil {
		return res, netErr(g, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// HEAD has no body to explain itself: GET tells the problem.
		resp, err := c.GetImage(ctx, id, &params, editors...)
		if err != nil {
			return res, netErr(g, err)
		}
		if resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			return res, &cliError{exitFailed, fmt.Sprintf("pngd answered HEAD with %s but GET with 200", resp.Status)}
		}
		return res, answerErr(resp)
	}
	total, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
	if err != nil || total < 1 {
		return res, &cliError{exitFailed, "pngd's HEAD answer has no usable Content-Length"}
	}
	res.ETag = resp.Header.Get("ETag")

	part := out + ".part"
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return res, localErr("pngctl get: %v", err)
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return res, localErr("pngctl get: %v", err)
	}
	if have > total {
		have = 0
	}
	res.ResumedFrom = have
	bars := newProgress(g, 1, total)
	defer bars.wait()
	wrap, finish := bars.file(out, total, have)
	for attempt := 0; have < total; attempt++ {
		if have == 0 {
			if err := f.Truncate(0); err != nil {
				return res, localErr("pngctl get: %v", err)
			}
		}
		got, err := fetchFrom(ctx, c, id, params, editors, res.ETag, have, f, wrap)
		switch {
		case err == nil:
			have = got
		case errors.Is(err, errRestart):
			have = 0
			res.ResumedFrom = 0
		default:
			var ce *cliError
			if errors.As(err, &ce) || attempt >= retries || ctx.Err() != nil {
				finish(false)
				if errors.As(err, &ce) {
					return res, err
				}
				return res, &cliError{exitFailed, fmt.Sprintf("download cut off at %d of %d bytes (kept in %s; run the same command again to resume): %v", got, total, part, err)}
			}
			have = got
			res.Resumes++
			time.Sleep(time.Duration(attempt+1) * 300 * time.Millisecond)
		}
	}
	finish(true)
	if err := f.Sync(); err != nil {
		return res, localErr("pngctl get: %v", err)
	}
	if err := f.Close(); err != nil {
		return res, localErr("pngctl get: %v", err)
	}
	if err := os.Rename(part, out); err != nil {
		return res, localErr("pngctl get: %v", err)
	}
	res.Bytes = total
	return res, nil
}

// errRestart says the server sent the whole image, not the range: the file
// starts over.
var errRestart = errors.New("whole image sent")

// fetchFrom GETs the image from byte have (all of it when have is 0) into
// f at have, and returns how many bytes f then holds.
func fetchFrom(ctx context.Context, c *gen.Client, id string, params gen.GetImageParams, editors []gen.RequestEditorFn, etag string, have int64, f *os.File, wrap func(io.Reader) io.Reader) (int64, error) {
	p := params
	if have > 0 {
		rng := fmt.Sprintf("bytes=%d-", have)
		p.Range = &rng
		if etag != "" {
			p.IfRange = &etag
		}
	}
	resp, err := c.GetImage(ctx, id, &p, editors...)
	if err != nil {
		return have, err
	}
	switch {
	case have > 0 && resp.StatusCode == http.StatusPartialContent:
		if !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", have)) {
			resp.Body.Close()
			return have, &cliError{exitFailed, "pngd answered a range other than the one asked for: " + resp.Header.Get("Content-Range")}
		}
	case resp.StatusCode == http.StatusOK:
		if have > 0 {
			resp.Body.Close()
			return 0, errRestart
		}
	default:
		return have, answerErr(resp)
	}
	defer resp.Body.Close()
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		return have, localErr("pngctl get: %v", err)
	}
	n, err := io.Copy(f, wrap(resp.Body))
	return have + n, err
}
