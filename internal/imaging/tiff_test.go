package imaging

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

// TestTIFFLayouts: TIFFs in the layouts scanners and GIS tools write,
// made by ImageMagick, decode as libtiff's tiff2rgba reads them (converted
// to PNG by ImageMagick): those x/image/tiff reads, the JPEG-compressed
// ones it refuses (strips, tiles, YCbCr, grey), which hhrutter/tiff reads,
// and those of 2 or 4 bits a sample, which pngd reads itself. (ImageMagick
// alone is no reference for white-is-zero: it writes and reads the samples
// uninverted.)
func TestTIFFLayouts(t *testing.T) {
	needTools(t, "convert", "tiff2rgba")
	dir := t.TempDir()
	colourtest.Run(t, dir, "convert", "-size", "96x64", "gradient:red-blue", "-swirl", "90", "src.png")
	for _, c := range []struct {
		name string
		args []string
		min  float64 // dB against libtiff's decoding
	}{
		{"uncompressed RGB, 16 bits", nil, 50}, // tiff2rgba gives 8 bits
		{"1-bit", []string{"-colorspace", "gray", "-type", "bilevel"}, 99},
		{"tiled, 16 bits", []string{"-define", "tiff:tile-geometry=32x32"}, 50},
		{"JPEG strips", []string{"-compress", "jpeg"}, 40},
		{"JPEG tiles", []string{"-compress", "jpeg", "-define", "tiff:tile-geometry=32x32"}, 40},
		{"grey JPEG", []string{"-colorspace", "gray", "-compress", "jpeg"}, 40},
		{"4-bit grey", []string{"-colorspace", "gray", "-depth", "4"}, 99},
		{"2-bit grey", []string{"-colorspace", "gray", "-depth", "2"}, 99},
		{"4-bit grey, LZW", []string{"-colorspace", "gray", "-depth", "4", "-compress", "lzw"}, 99},
		{"4-bit grey, Deflate", []string{"-colorspace", "gray", "-depth", "4", "-compress", "zip"}, 99},
		{"4-bit grey, PackBits, strips of 7 rows", []string{"-colorspace", "gray", "-depth", "4", "-compress", "rle", "-define", "tiff:rows-per-strip=7"}, 99},
		{"4-bit grey, white is zero", []string{"-colorspace", "gray", "-depth", "4", "-define", "quantum:polarity=min-is-white"}, 99},
		{"4-bit palette", []string{"-colors", "16", "-depth", "4", "-type", "palette"}, 99},
	} {
		t.Run(c.name, func(t *testing.T) {
			colourtest.Run(t, dir, "convert", append(append([]string{"src.png"}, c.args...), "out.tif")...)
			colourtest.Run(t, dir, "tiff2rgba", "out.tif", "ref.tif")
			colourtest.Run(t, dir, "convert", "ref.tif", "-alpha", "off", "ref.png")
			d, ref := decodeWithReference(t, dir, "out.tif", "ref.png", Limits{MaxPixels: 1 << 20})
			if d.Image.Bounds().Size() != ref.Bounds().Size() {
				t.Fatalf("decoded %v, libtiff %v", d.Image.Bounds().Size(), ref.Bounds().Size())
			}
			q, maxDiff := colourtest.PSNR(Normalize(d.Image), ref)
			t.Logf("against libtiff: %.1f dB, largest difference %d", q, maxDiff)
			if q < c.min {
				t.Errorf("against libtiff: %.1f dB < %.0f (largest difference %d)", q, c.min, maxDiff)
			}
		})
	}
}

// TestTIFFJPEGScanFlood: a JPEG-compressed TIFF whose strip is a JPEG of
// thousands of scans is refused from its bytes, as such a JPEG is.
func TestTIFFJPEGScanFlood(t *testing.T) {
	needTools(t, "convert")
	dir := t.TempDir()
	colourtest.Run(t, dir, "convert", "-size", "32x32", "gradient:red-blue", "-compress", "jpeg", "out.tif")
	data, _ := os.ReadFile(filepath.Join(dir, "out.tif"))
	// 1,000 more SOS markers after the image data: what a scan flood's
	// strip would hold.
	flood := append(bytes.Clone(data), bytes.Repeat([]byte{0xFF, 0xDA, 0, 2}, 1000)...)
	var scans *TooManyScansError
	if _, err := Decode(flood, Limits{MaxPixels: 1 << 20}); !errors.As(err, &scans) {
		t.Errorf("a TIFF with 1,000 JPEG scans: %v, want TooManyScansError", err)
	}
	if _, err := Decode(data, Limits{MaxPixels: 1 << 20}); err != nil {
		t.Errorf("the TIFF itself: %v", err)
	}
}
