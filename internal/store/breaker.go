package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A store in an outage answers slowly: the AWS SDK retries a refused
// connection with backoff, and a request that waits on it holds its
// client for seconds before its 503. So once a call finds the store
// unreachable, the breaker is open: calls fail at once with
// ErrUnavailable for breakerWait, then one call at a time goes through to
// try it (the others still fail at once), and the first that reaches the
// store closes the breaker. Probe and Ping always go through: /readyz's
// probe is how an idle server finds the store back. On local disk there is
// no breaker: a disk does not come and go.
//
// Each call to the bucket also has its own deadline (callTimeout, longer
// for writes), so that a store that accepts connections and then hangs
// cannot hold a request for longer.

// breakerWait is how long the breaker stays open before a call may try
// the store again.
const breakerWait = time.Second

// callTimeout bounds one call to the bucket: a Stat, a Delete, a List
// page, or opening a read; writeTimeout bounds a write.
const (
	callTimeout  = 5 * time.Second
	writeTimeout = 30 * time.Second
)

type breaker struct {
	mu     sync.Mutex
	open   bool
	until  time.Time // when a call may try the store again
	trying bool      // a call is trying it now
}

// errOpen is the error a call gets while the breaker is open.
var errOpen = fmt.Errorf("%w: the store was unreachable moments ago (retried at most once a second)", ErrUnavailable)

// enter lets a call go to the bucket, or refuses it at once while the
// breaker is open. done reports the call's error, which closes or opens
// the breaker.
func (b *breaker) enter(now time.Time) (done func(error), err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	trial := false
	if b.open {
		if b.trying || now.Before(b.until) {
			return nil, errOpen
		}
		b.trying, trial = true, true
	}
	return func(err error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if trial {
			b.trying = false
		}
		b.note(err, time.Now())
	}, nil
}

// note records a call's outcome: unreachable opens the breaker (again),
// anything the store answered closes it.
func (b *breaker) note(err error, now time.Time) {
	switch {
	case errors.Is(err, ErrUnavailable) && !errors.Is(err, context.Canceled):
		b.open, b.until = true, now.Add(breakerWait)
	case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrFull), errors.Is(err, ErrBadCursor), errors.Is(err, ErrRefused):
		b.open = false
	}
}

// guard runs a call to the bucket under the breaker (on S3) with its own
// deadline; the call returns an error as the Store's methods do
// (classified).
func (s *Store) guard(ctx context.Context, timeout time.Duration, call func(ctx context.Context) error) error {
	if s.dir != "" {
		return call(ctx)
	}
	done, err := s.breaker.enter(time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = call(ctx)
	done(err)
	return err
}

// Healthy reports whether the store is taken as reachable: false while the
// breaker is open.
func (s *Store) Healthy() bool {
	s.breaker.mu.Lock()
	defer s.breaker.mu.Unlock()
	return !s.breaker.open
}

// noteProbe records what a Probe or Ping found, which goes through whether
// the breaker is open or not.
func (s *Store) noteProbe(err error) {
	s.breaker.mu.Lock()
	defer s.breaker.mu.Unlock()
	s.breaker.note(err, time.Now())
}
