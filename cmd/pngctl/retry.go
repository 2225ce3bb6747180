package main

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// retryBusy resends a request that pngd answered 503 with Retry-After (its
// render or upload queue was full, or it was draining), after the seconds
// it asks for, up to retries times and never waiting longer than maxWait
// at once. A request whose body cannot be sent again (no GetBody) is not
// resent; neither is one whose context ends meanwhile.
type retryBusy struct {
	next    http.RoundTripper
	retries int
	maxWait time.Duration
}

func (t *retryBusy) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusServiceUnavailable || attempt >= t.retries {
			return resp, err
		}
		secs, perr := strconv.Atoi(resp.Header.Get("Retry-After"))
		wait := time.Duration(secs) * time.Second
		if perr != nil || secs < 0 || wait > t.maxWait || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
			return resp, nil
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(wait):
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}
