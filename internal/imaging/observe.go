package imaging

import (
	"sync/atomic"
	"time"
)

// Observer hears how long each step took: stage is "decode" (format the
// input's), "resample" (format "rgba"), "encode" or "palette" (the
// quantizer and its encodings; format "png"). It must
// be quick and safe for concurrent use: metrics.
type Observer func(stage, format string, took time.Duration)

var observer atomic.Pointer[Observer]

// Observe makes every Decode, Resample, EncodePNG and EncodeOriginal report
// to o (nil: to nobody).
func Observe(o Observer) {
	if o == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&o)
}

// observe reports a step that began at start.
func observe(stage string, format Format, start time.Time) {
	if o := observer.Load(); o != nil {
		(*o)(stage, string(format), time.Since(start))
	}
}
