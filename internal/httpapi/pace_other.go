//go:build !linux

package httpapi

func setNotSentLowat(fd uintptr, n int) {}

func ackedBytes(fd uintptr) (uint64, bool) { return 0, false }
