package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want error
	}{
		{&os.PathError{Op: "write", Path: "/data/x", Err: syscall.ENOSPC}, ErrFull},
		{fmt.Errorf("wrapped: %w", syscall.EDQUOT), ErrFull},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, ErrUnavailable},
		{context.DeadlineExceeded, ErrUnavailable},
	} {
		if got := classify("op", tt.err); !errors.Is(got, tt.want) || !errors.Is(got, tt.err) {
			t.Errorf("classify(%v) = %v, want %v wrapping the original", tt.err, got, tt.want)
		}
	}
	if got := classify("op", errors.New("odd")); errors.Is(got, ErrFull) || errors.Is(got, ErrUnavailable) || errors.Is(got, ErrNotFound) {
		t.Errorf("classify(odd) = %v, want no store error", got)
	}
}
