package imaging

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// vmHWM is this process's peak resident memory (Linux).
func vmHWM() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestAVIFPeakMemory decodes AVIFs (8 and 10 bits, 4:2:0 and 4:4:4) and a
// HEIC (opaque, and with alpha) of 3 MP, each in a process of its own, and holds the peak resident
// memory the decode adds to what admission reserves for it
// (Header.DecodeBytes), and to at most 40 bytes a pixel but for 10-bit
// 4:4:4 (about 41: 16-bit planes of every sample, and 16-bit RGB; about
// 50 with an alpha plane). AVIFs with alpha decode their alpha item as a
// picture of its own. The WebAssembly decoders' memory used to
// grow by copying itself: 97 bytes a pixel for a 12 MP AVIF.
func TestAVIFPeakMemory(t *testing.T) {
	if f := os.Getenv("PNGD_PEAK_DECODE"); f != "" {
		peakDecodeChild(f)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("VmHWM is Linux's")
	}
	colourtest.Need(t, []string{"avifenc", "heif-enc"})
	dir := t.TempDir()
	const w, h = 2000, 1500
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(7)
	for i := range m.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		m.Pix[i] = byte(i/4%w/8) + byte(x>>29)
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	f, _ := os.Create(filepath.Join(dir, "in.png"))
	png.Encode(f, m)
	f.Close()
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = byte(i / 4 % w) // transparency, which a HEIC keeps as an item of its own
	}
	f, _ = os.Create(filepath.Join(dir, "alpha.png"))
	png.Encode(f, m)
	f.Close()
	// 4:2:0, as cameras and phones write them, and 4:4:4 (avifenc's
	// default for a PNG), the most the decoder holds.
	colourtest.Run(t, dir, "avifenc", "-s", "10", "-y", "420", "in.png", "8-420.avif")
	colourtest.Run(t, dir, "avifenc", "-s", "10", "-y", "420", "-d", "10", "in.png", "10-420.avif")
	colourtest.Run(t, dir, "avifenc", "-s", "10", "in.png", "8-444.avif")
	colourtest.Run(t, dir, "avifenc", "-s", "10", "-d", "10", "in.png", "10-444.avif")
	colourtest.Run(t, dir, "heif-enc", "-q", "80", "in.png", "-o", "8.heic")
	colourtest.Run(t, dir, "heif-enc", "-q", "80", "alpha.png", "-o", "alpha.heic")
	colourtest.Run(t, dir, "avifenc", "-s", "10", "-y", "420", "alpha.png", "a8-420.avif")
	colourtest.Run(t, dir, "avifenc", "-s", "10", "-d", "10", "alpha.png", "a10-444.avif")
	// An image sequence of 6 frames, kept as an animation.
	colourtest.Run(t, dir, "avifenc", "-s", "10", "-y", "420", "in.png", "in.png", "in.png", "in.png", "in.png", "in.png", "seq.avif")
	for _, name := range []string{"8-420.avif", "10-420.avif", "8-444.avif", "10-444.avif", "a8-420.avif", "a10-444.avif", "8.heic", "alpha.heic", "seq.avif"} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestAVIFPeakMemory$")
		cmd.Env = append(os.Environ(), "PNGD_PEAK_DECODE="+filepath.Join(dir, name))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		var peak, reserved int64
		if _, err := fmt.Sscanf(string(out[strings.Index(string(out), "peak "):]), "peak %d reserved %d", &peak, &reserved); err != nil {
			t.Fatalf("%s: %q", name, out)
		}
		pixels := float64(w * h)
		if name == "seq.avif" {
			pixels *= 6 // bytes per pixel of all frames
		}
		perPixel := float64(peak) / pixels
		t.Logf("%s: peak %.1f MiB over the baseline, %.1f bytes a pixel; reserved %.1f bytes a pixel", name, float64(peak)/(1<<20), perPixel, float64(reserved)/pixels)
		if perPixel > 40 && name != "10-444.avif" && name != "a10-444.avif" {
			t.Errorf("%s: decoding peaks at %.1f bytes a pixel; at most 40", name, perPixel)
		}
		if peak > reserved {
			t.Errorf("%s: decoding peaks at %d bytes; admission reserves %d", name, peak, reserved)
		}
	}
}

// peakDecodeChild decodes file once its decoders are ready and prints the
// resident memory the decode added at its peak, and DecodeBytes.
func peakDecodeChild(file string) {
	debug.SetGCPercent(20) // garbage is not what is measured
	data, err := os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	hd, err := ReadHeader(data, Limits{HEIC: true})
	if err != nil {
		panic(err)
	}
	WarmDecoders(true)
	runtime.GC()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM
	base := vmHWM()
	d, err := Decode(data, Limits{HEIC: true})
	if err != nil {
		panic(err)
	}
	runtime.KeepAlive(d.Image)
	fmt.Printf("peak %d reserved %d\n", vmHWM()-base, hd.DecodeBytes())
}
