package pngenc

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// corpusDir is where mkcorpus.sh wrote the corpus; `make bench` and
// `make test` make it first.
func corpusDir() string {
	if d := os.Getenv("PNGENC_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "bin", "corpus")
}

type corpusImage struct {
	name string
	img  image.Image
}

// loadCorpus decodes every PNG of the corpus with image/png, by category
// (the file name up to its first '-').
func loadCorpus(tb testing.TB) map[string][]corpusImage {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir(), "*.png"))
	if len(files) == 0 {
		tb.Fatalf("no corpus in %s: run internal/pngenc/mkcorpus.sh %s (make bench and make test do)", corpusDir(), corpusDir())
	}
	sort.Strings(files)
	out := map[string][]corpusImage{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		base := filepath.Base(f)
		cat, _, _ := strings.Cut(base, "-")
		out[cat] = append(out[cat], corpusImage{base, m})
		out["all"] = append(out["all"], corpusImage{base, m})
	}
	return out
}

// BenchmarkCorpus encodes each category of the corpus with pngenc's two
// modes and image/png's BestSpeed and DefaultCompression, and reports
// megapixels a second and the total bytes written: compare the lines of a
// category with each other (internal/pngenc/bench.sh prints the ratios).
func BenchmarkCorpus(b *testing.B) {
	corpus := loadCorpus(b)
	encoders := []struct {
		name string
		enc  func(io.Writer, image.Image) error
	}{
		{"fast", (&Encoder{Mode: Fast}).Encode},
		{"stored", (&Encoder{Mode: Stored}).Encode},
		{"stdlib-bestspeed", (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode},
		{"stdlib-default", (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode},
	}
	cats := make([]string, 0, len(corpus))
	for c := range corpus {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, cat := range cats {
		imgs := corpus[cat]
		var px int64
		for _, c := range imgs {
			px += int64(c.img.Bounds().Dx()) * int64(c.img.Bounds().Dy())
		}
		for _, e := range encoders {
			b.Run(cat+"/"+e.name, func(b *testing.B) {
				var buf bytes.Buffer
				var total int64
				start := time.Now()
				for b.Loop() {
					total = 0
					for _, c := range imgs {
						buf.Reset()
						if err := e.enc(&buf, c.img); err != nil {
							b.Fatal(err)
						}
						total += int64(buf.Len())
					}
				}
				b.ReportMetric(float64(px)*float64(b.N)/time.Since(start).Seconds()/1e6, "MP/s")
				b.ReportMetric(float64(total), "bytes")
			})
		}
	}
}
