// Command heatmaps writes a few of pngd's own heatmaps as PNG files into a
// directory, for the PNG encoder's corpus (internal/pngenc/mkcorpus.sh).
// They are written with image/png so that the corpus does not depend on
// the encoder it measures.
//
//	go run ./internal/render/heatmaps DIR
package main

import (
	"context"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/pngd/pngd/internal/render"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: heatmaps DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "heatmaps:", err)
		os.Exit(1)
	}
}

// write renders smooth fields, noisy data and a sparse grid with missing
// cells, at the sizes pngd is asked for, in several colormaps.
func write(dir string) error {
	r := rand.New(rand.NewPCG(1, 2))
	smooth := func(n int) []float64 {
		v := make([]float64, n*n)
		for i := range v {
			x, y := float64(i%n)/float64(n), float64(i/n)/float64(n)
			v[i] = math.Sin(6*x)*math.Cos(4*y) + 0.3*math.Sin(17*x*y)
		}
		return v
	}
	noisy := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return v
	}
	sparse := func(n int) []float64 {
		v := noisy(n)
		for i := range v {
			if r.IntN(5) == 0 {
				v[i] = math.NaN()
			}
		}
		return v
	}
	cases := []struct {
		name   string
		values []float64
		w, h   int
		cmap   string
		interp render.Interpolation
	}{
		{"heat-smooth-bilinear-1024", smooth(32), 1024, 1024, "viridis", render.Bilinear},
		{"heat-smooth-bilinear-4096", smooth(64), 4096, 3072, "magma", render.Bilinear},
		{"heat-noise-nearest-512", noisy(1024), 512, 512, "viridis", render.Nearest},
		{"heat-noise-nearest-2048", noisy(65536), 2048, 2048, "inferno", render.Nearest},
		{"heat-sparse-nearest-1024", sparse(4096), 1024, 1024, "plasma", render.Nearest},
		{"heat-grey-bilinear-2048", smooth(48), 2048, 1536, "gray", render.Bilinear},
	}
	for _, c := range cases {
		p, err := render.NewPlan(render.Spec{Values: c.values, Width: c.w, Height: c.h, Colormap: c.cmap, Interpolation: c.interp})
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		m, err := p.Render(context.Background())
		if err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(dir, c.name+".png"))
		if err != nil {
			return err
		}
		if err := png.Encode(f, m); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
