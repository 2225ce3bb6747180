//go:build !linux

package httpapi

func setNotSentLowat(fd uintptr, n int) {}
