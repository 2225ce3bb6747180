package imaging

import (
	"image"
	"image/color"
	"runtime"
	"testing"
)

// TestResampleMemory scales a tall source (1000×10000) to a wide output
// (8192×1024), the case that cost 2.6 GB with x/image's scaler (output
// width × source height × 32 bytes), and checks that Resample allocates
// no more than ResampleBytes says, which is about the output.
func TestResampleMemory(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 1000, 10000))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	size := image.Pt(8192, 1024)
	want := ResampleBytes(1000, 10000, size)
	if out := int64(4 * size.X * size.Y); want > out+out/4 {
		t.Errorf("ResampleBytes = %d, want within 25%% of the output's %d bytes", want, out)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m := Resample(src, src.Rect, size)
	runtime.ReadMemStats(&after)
	if got := int64(after.TotalAlloc - before.TotalAlloc); got > want+64<<10 {
		t.Errorf("Resample allocated %d bytes, ResampleBytes promised %d", got, want)
	}
	if m.Rect.Size() != size {
		t.Errorf("size %v, want %v", m.Rect.Size(), size)
	}
}

// TestResampleKeepsFlatAndPremultiplied: a flat colour stays that colour
// at every scale, and overshoot never makes a colour exceed its alpha.
func TestResampleKeepsFlatAndPremultiplied(t *testing.T) {
	flat := image.NewRGBA(image.Rect(0, 0, 97, 61))
	c := color.RGBA{40, 120, 200, 255}
	for i := 0; i < len(flat.Pix); i += 4 {
		flat.Pix[i], flat.Pix[i+1], flat.Pix[i+2], flat.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	// A hard edge from opaque white to transparent, where the lobes
	// overshoot.
	edge := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 32 {
			edge.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
		}
	}
	for _, size := range []image.Point{{1, 1}, {13, 200}, {97, 61}, {300, 7}, {48, 48}} {
		m := Resample(flat, flat.Rect, size)
		for i := 0; i < len(m.Pix); i += 4 {
			if got := (color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3]}); got != c {
				t.Fatalf("flat %v→%v: pixel %d is %v, want %v", flat.Rect.Size(), size, i/4, got, c)
			}
		}
		e := Resample(edge, edge.Rect, size)
		for i := 0; i < len(e.Pix); i += 4 {
			if a := e.Pix[i+3]; e.Pix[i] > a || e.Pix[i+1] > a || e.Pix[i+2] > a {
				t.Fatalf("edge →%v: pixel %d is %v, a colour above its alpha", size, i/4, e.Pix[i:i+4])
			}
		}
	}
}
