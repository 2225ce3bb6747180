package pngenc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// goldenSums encodes a fixed set of images, large enough for many strips,
// in both modes, plus an animation with chunks, and returns the SHA-256 of
// each output. Workers is left at its default: GOMAXPROCS.
func goldenSums(t testing.TB) string {
	ims := images(700, 900, 42)
	var lines []string
	for _, name := range []string{"NRGBA", "RGBA", "Gray16", "few colours", "YCbCr"} {
		for _, mode := range []Mode{Fast, Stored} {
			var buf bytes.Buffer
			if err := (&Encoder{Mode: mode}).Encode(&buf, ims[name]); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(buf.Bytes())
			lines = append(lines, fmt.Sprintf("%s/%d %s", name, mode, hex.EncodeToString(sum[:8])))
		}
	}
	f0 := image.NewNRGBA(image.Rect(0, 0, 700, 900))
	copy(f0.Pix, ims["NRGBA"].(*image.NRGBA).Pix)
	var buf bytes.Buffer
	a := Animation{Width: 700, Height: 900, Loops: 0, Frames: []Frame{{Image: f0, DelayNum: 1}, {Image: images(100, 50, 1)["NRGBA"], DelayNum: 2}}}
	if err := (&Encoder{}).EncodeAnimation(&buf, a, Meta{ICC: []byte("0123456789abcdefRGB profile"), Phys: &Phys{X: 1, Y: 1}}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	lines = append(lines, "apng "+hex.EncodeToString(sum[:8]))
	return strings.Join(lines, "\n")
}

// golden is goldenSums as this version of pngenc writes it. If it changes,
// stored ids of new uploads change (old objects stay valid): say so in
// the commit.
const golden = `NRGBA/0 a1453085fbb6afad
NRGBA/1 9fbccdff7ff974bf
RGBA/0 fddbfe9068f503ef
RGBA/1 3d88042e26876e6b
Gray16/0 cc996ad6cc43f140
Gray16/1 57ba7dd394e750eb
few colours/0 8743e727a0c22257
few colours/1 eee5ad8afa2211ca
YCbCr/0 33d1d453cedf7f10
YCbCr/1 3fd4015a26cce582
apng 36a08adce44e497b`

// TestMain prints goldenSums instead of testing when run as
// TestGoldenAcrossGOMAXPROCS's child.
func TestMain(m *testing.M) {
	if os.Getenv("PNGENC_GOLDEN_CHILD") != "" {
		useAsm = asmAvailable && os.Getenv("PNGENC_NO_ASM") == ""
		var t testing.T
		fmt.Printf("GOMAXPROCS=%d\n%s\nEND\n", runtime.GOMAXPROCS(0), goldenSums(&t))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestGoldenAcrossGOMAXPROCS runs this test binary again under GOMAXPROCS
// 1, 2 and 8, with the assembly filter kernel and without it: two nodes
// with different core counts or CPUs must write the same bytes (stored ids
// are their SHA-256), and they must be the golden ones.
func TestGoldenAcrossGOMAXPROCS(t *testing.T) {
	for _, run := range []string{"1", "2", "8", "1 noasm", "2 noasm", "8 noasm"} {
		procs, noasm, _ := strings.Cut(run, " ")
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "PNGENC_GOLDEN_CHILD=1", "GOMAXPROCS="+procs)
		if noasm != "" {
			cmd.Env = append(cmd.Env, "PNGENC_NO_ASM=1")
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOMAXPROCS=%s: %v\n%s", procs, err, out)
		}
		s := string(out)
		head := "GOMAXPROCS=" + procs + "\n"
		i, j := strings.Index(s, head), strings.Index(s, "\nEND")
		if i < 0 || j < 0 {
			t.Fatalf("GOMAXPROCS=%s: unexpected output\n%s", procs, out)
		}
		if got := s[i+len(head) : j]; got != golden {
			t.Errorf("GOMAXPROCS=%s wrote other bytes than the golden ones:\n%s\nwant\n%s", procs, got, golden)
		}
	}
}
