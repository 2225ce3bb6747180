// Command p3icc writes the Display P3 ICC profile the tests use to stdout,
// for the scripts that measure pngd against other tools on P3 photos.
package main

import (
	"os"

	"github.com/pngd/pngd/internal/colour/colourtest"
)

func main() { os.Stdout.Write(colourtest.DisplayP3()) }
