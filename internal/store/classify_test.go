package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/smithy-go"
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
		{&os.PathError{Op: "open", Path: "/data/x", Err: syscall.EACCES}, ErrRefused},
		{&os.PathError{Op: "open", Path: "/data/x", Err: syscall.EROFS}, ErrRefused},
		{&os.PathError{Op: "mkdir", Path: "/data/images", Err: syscall.ENOTDIR}, ErrRefused},
		{&smithy.GenericAPIError{Code: "NoSuchBucket"}, ErrRefused},
		{&smithy.GenericAPIError{Code: "InvalidBucketName"}, ErrRefused},
		{&smithy.GenericAPIError{Code: "InvalidAccessKeyId"}, ErrRefused},
		{&smithy.GenericAPIError{Code: "SignatureDoesNotMatch"}, ErrRefused},
		{&smithy.GenericAPIError{Code: "AccessDenied"}, ErrRefused},
		{&smithy.GenericAPIError{Code: "SlowDown"}, ErrUnavailable},
	} {
		if got := classify("op", tt.err); !errors.Is(got, tt.want) || !errors.Is(got, tt.err) {
			t.Errorf("classify(%v) = %v, want %v wrapping the original", tt.err, got, tt.want)
		}
	}
	if got := classify("op", errors.New("odd")); errors.Is(got, ErrFull) || errors.Is(got, ErrUnavailable) || errors.Is(got, ErrNotFound) || errors.Is(got, ErrRefused) {
		t.Errorf("classify(odd) = %v, want no store error", got)
	}
	// A refusal says why in words, never the backend's text.
	if c := RefusedCause(classify("op", &smithy.GenericAPIError{Code: "InvalidBucketName", Message: "secret backend words"})); !strings.HasPrefix(c, "the bucket's name is not a valid bucket name") {
		t.Errorf("RefusedCause = %q", c)
	}
}
