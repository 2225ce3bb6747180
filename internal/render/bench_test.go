package render

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/pngd/pngd/internal/imaging"
)

// BenchmarkRenderEncode measures render + PNG encode, the CPU work behind one
// POST /vector_image, recycling pixel planes as the server does.
func BenchmarkRenderEncode(b *testing.B) {
	for _, bc := range []struct {
		values, side int
		interp       Interpolation
	}{
		{1024, 512, Nearest},
		{1024, 512, Bilinear},
		{1 << 20, 1024, Nearest},
		{1 << 20, 1024, Bilinear},
	} {
		vals := make([]float64, bc.values)
		for i := range vals {
			vals[i] = math.Sin(float64(i) * 0.001)
		}
		name := fmt.Sprintf("values=%d/size=%d/interp=%d", bc.values, bc.side, bc.interp)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := NewPlan(Spec{Values: vals, Width: bc.side, Height: bc.side, Colormap: "viridis", Interpolation: bc.interp})
				if err != nil {
					b.Fatal(err)
				}
				img, err := p.Render(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				buf, err := imaging.EncodePNG(img)
				Recycle(img)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(buf.Len()), "png-bytes")
				imaging.ReleaseBuffer(buf)
			}
		})
	}
}
