//go:build !nodynamic

package imaging

// pngd is built with the nodynamic tag, so that the AVIF and HEIC decoders
// are always their WebAssembly builds and never a system library that
// happens to be installed (see heif.go). make sets it through GOFLAGS;
// outside make, build and test with -tags nodynamic.
var _ = buildWithTagNodynamic
