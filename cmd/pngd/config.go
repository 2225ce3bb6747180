package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/pngd/pngd/internal/bytesize"
	"github.com/pngd/pngd/internal/imaging"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is everything pngd can be told at start-up.
type Config struct {
	Addr              string
	MaxBodyBytes      int64
	MaxRenders        int
	GCPercent         int
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	LogFormat         string

	Storage              string
	MaxUploadBytes       int64
	MaxSourcePixels      int64
	MaxUploads           int
	APIKeys              string
	AllowAnonymousWrites bool

	CacheBytes       int64
	MaxOutputPixels  int64
	MaxQueuedRenders int
	QueueTimeout     time.Duration
	SigningKey       string
	MetricsAddr      string
	AccessLog        string

	MemoryBudget      int64
	DerivedStoreBytes int64
	PresetsFile       string
	PresetsOnly       bool
	DerivedQuality    int
	MaxJPEGScans      int
	MaxFrames         int
	MaxFramePixels    int64
	HEIC              bool
	MinBodyRate       int64
	BodyGrace         time.Duration
	DrainDelay        time.Duration
}

// baselineBytes is the part of the memory budget that is neither cache nor
// work: the runtime, goroutine stacks, connection buffers, the spec and
// Swagger UI.
const baselineBytes = 64 << 20

// WorkBytes is the memory budget left for work in flight once the cache
// and the baseline are set aside.
func (c Config) WorkBytes() int64 { return c.MemoryBudget - c.CacheBytes - baselineBytes }

// defaultMemoryBudget is 1 GiB, or three quarters of the memory this
// process may use (its cgroup's memory.max, else the machine's), whichever
// is smaller: pngd should fit a small container as it is.
func defaultMemoryBudget() int64 {
	const oneGiB = 1 << 30
	limit := int64(0)
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			limit = n
		}
	}
	if limit == 0 {
		if b, err := os.ReadFile("/proc/meminfo"); err == nil {
			var kb int64
			if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
				limit = kb << 10
			}
		}
	}
	if limit > 0 {
		return min(oneGiB, limit/4*3)
	}
	return oneGiB
}

// Keys returns the API keys, which APIKeys lists separated by commas.
func (c Config) Keys() []string {
	var keys []string
	for k := range strings.SplitSeq(c.APIKeys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// DefaultConfig is pngd's configuration when nothing is set.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		MaxBodyBytes:      32 << 20,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ShutdownTimeout:   15 * time.Second,
		LogFormat:         "text",
		AccessLog:         "on",
		Storage:           "file://./data",
		MaxUploadBytes:    32 << 20,
		MaxSourcePixels:   50_000_000,
		CacheBytes:        256 << 20,
		MaxOutputPixels:   4096 * 4096,
		QueueTimeout:      10 * time.Second,
		MemoryBudget:      defaultMemoryBudget(),
		MaxJPEGScans:      100,
		MaxFrames:         imaging.DefaultMaxFrames,
		MaxFramePixels:    imaging.DefaultMaxFramePixels,
		DerivedStoreBytes: 1 << 30,
		MinBodyRate:       32 << 10,
		BodyGrace:         10 * time.Second,
		DrainDelay:        5 * time.Second,
		GCPercent:         300,
		MaxRenders:        runtime.GOMAXPROCS(0),
		MaxUploads:        4,
		MaxQueuedRenders:  queuePerRender * runtime.GOMAXPROCS(0),
	}
}

// queuePerRender is how many renders may wait for each render slot when
// -max-queued-renders is not set.
const queuePerRender = 64

// gcPercent is -gc-percent's value: a percentage as Go's GOGC, or off (0
// or "off": the collector runs only near the soft memory limit).
type gcPercent struct{ p *int }

func (g gcPercent) String() string {
	if g.p == nil || *g.p > 0 {
		return strconv.Itoa(derefInt(g.p))
	}
	return "off"
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func (g gcPercent) Set(s string) error {
	if s == "off" {
		*g.p = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is neither a percentage nor off", s)
	}
	*g.p = n
	return nil
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr must not be empty"))
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, fmt.Errorf("max-body-bytes must be positive, got %d", c.MaxBodyBytes))
	}
	for name, d := range map[string]time.Duration{
		"read-header-timeout": c.ReadHeaderTimeout,
		"write-timeout":       c.WriteTimeout, "idle-timeout": c.IdleTimeout, "shutdown-timeout": c.ShutdownTimeout,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %v", name, d))
		}
	}
	for name, d := range map[string]time.Duration{"read-timeout": c.ReadTimeout, "body-grace": c.BodyGrace, "drain-delay": c.DrainDelay} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %v", name, d))
		}
	}
	if c.MinBodyRate < 0 {
		errs = append(errs, fmt.Errorf("min-body-rate must not be negative, got %d", c.MinBodyRate))
	}
	if c.DerivedStoreBytes < 0 {
		errs = append(errs, fmt.Errorf("derived-store-bytes must not be negative, got %d", c.DerivedStoreBytes))
	}
	if c.PresetsOnly && c.PresetsFile == "" {
		errs = append(errs, errors.New("presets-only needs -presets: without presets there is nothing to serve unsigned"))
	}
	if c.MaxFrames <= 1 {
		errs = append(errs, fmt.Errorf("max-frames must be at least 2, got %d", c.MaxFrames))
	}
	if c.MaxFramePixels <= 0 {
		errs = append(errs, fmt.Errorf("max-frame-pixels must be positive, got %d", c.MaxFramePixels))
	}
	if c.DerivedQuality < 0 || c.DerivedQuality > 100 {
		errs = append(errs, fmt.Errorf("derived-quality must be 0 (lossless) to 100, got %d", c.DerivedQuality))
	}
	if c.MaxJPEGScans <= 0 {
		errs = append(errs, fmt.Errorf("max-jpeg-scans must be positive, got %d", c.MaxJPEGScans))
	}
	if c.MemoryBudget <= 0 {
		errs = append(errs, fmt.Errorf("memory-budget must be positive, got %d", c.MemoryBudget))
	} else if c.CacheBytes > 0 && c.WorkBytes() < 64<<20 {
		errs = append(errs, fmt.Errorf("memory-budget (%d) must exceed cache-bytes (%d) by at least %d bytes: %d for the runtime and at least %d for work in flight",
			c.MemoryBudget, c.CacheBytes, baselineBytes+64<<20, baselineBytes, 64<<20))
	}
	// 0 turns off what a flag names (a timeout, a minimum, a bound, a delay,
	// the collector); a flag whose "off" would mean nothing, or no limit
	// where pngd needs one, refuses it.
	for name, n := range map[string]int{"max-concurrent-renders": c.MaxRenders, "max-concurrent-uploads": c.MaxUploads, "max-queued-renders": c.MaxQueuedRenders} {
		if n < 1 {
			errs = append(errs, fmt.Errorf("%s must be at least 1, got %d", name, n))
		}
	}
	if c.MaxUploadBytes <= 0 {
		errs = append(errs, fmt.Errorf("max-upload-bytes must be positive, got %d", c.MaxUploadBytes))
	}
	if c.MaxSourcePixels <= 0 {
		errs = append(errs, fmt.Errorf("max-source-pixels must be positive, got %d", c.MaxSourcePixels))
	}
	if c.CacheBytes <= 0 {
		errs = append(errs, fmt.Errorf("cache-bytes must be positive, got %d", c.CacheBytes))
	}
	if c.MaxOutputPixels <= 0 {
		errs = append(errs, fmt.Errorf("max-output-pixels must be positive, got %d", c.MaxOutputPixels))
	}
	if c.QueueTimeout <= 0 {
		errs = append(errs, fmt.Errorf("queue-timeout must be positive, got %v", c.QueueTimeout))
	}
	if c.SigningKey != "" && len(c.SigningKey) < minSigningKey {
		errs = append(errs, fmt.Errorf("signing-key must be at least %d characters", minSigningKey))
	}
	if !strings.HasPrefix(c.Storage, "file://") && !strings.HasPrefix(c.Storage, "s3://") {
		errs = append(errs, fmt.Errorf("storage must be a file:// or s3:// URL, got %q", c.Storage))
	}
	for _, k := range c.Keys() {
		if len(k) < 16 {
			errs = append(errs, errors.New("api-keys: every key must be at least 16 characters"))
			break
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format must be text or json, got %q", c.LogFormat))
	}
	if c.AccessLog != "on" && c.AccessLog != "off" {
		errs = append(errs, fmt.Errorf("access-log must be on or off, got %q", c.AccessLog))
	}
	return errors.Join(errs...)
}

// minSigningKey is the shortest -signing-key pngd takes, and `pngd sign`.
const minSigningKey = 32

// envName is the environment variable that sets a flag: -max-body-bytes is
// PNGD_MAX_BODY_BYTES.
func envName(flagName string) string {
	return "PNGD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig maps the environment, then the flags, onto DefaultConfig: a
// flag beats its variable. -h prints every flag with its variable and
// returns flag.ErrHelp.
func parseConfig(args []string, getenv func(string) string, stdout io.Writer) (Config, error) {
	c := DefaultConfig()
	if v := getenv("GOGC"); v != "" {
		_ = gcPercent{&c.GCPercent}.Set(v) // Go's own reading of GOGC stands otherwise
	}
	fs := flag.NewFlagSet("pngd", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a mistake is returned, and printed once by main
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (host:port; port 0 picks a free one)")
	fs.Var(bytesize.Flag{P: &c.MaxBodyBytes}, "max-body-bytes", "largest request body other than an upload (POST /vector_image's JSON); larger ones get 413. Uploads obey -max-upload-bytes")
	fs.Var(gcPercent{&c.GCPercent}, "gc-percent", "garbage collector target, as Go's GOGC: heap growth in percent between collections (default GOGC if set, else 300; 0 or off: only near the soft memory limit)")
	fs.IntVar(&c.MaxRenders, "max-concurrent-renders", c.MaxRenders, "renders and upload decodes in progress at once, bounding CPU and memory; others wait (default: one per CPU)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "time allowed to read request headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "time allowed to read a whole request (0: off; -min-body-rate bounds bodies instead)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "how long a response may go without the client accepting a byte before it is cut; a slow download that keeps moving finishes")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a graceful shutdown waits for requests in flight")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.StringVar(&c.Storage, "storage", c.Storage, "where images are stored: file://DIR (file://./data is relative) or s3://BUCKET?endpoint=URL&region=R (AWS_* credentials)")
	fs.Var(bytesize.Flag{P: &c.MaxUploadBytes}, "max-upload-bytes", "largest image upload accepted; larger ones get 413")
	fs.Int64Var(&c.MaxSourcePixels, "max-source-pixels", c.MaxSourcePixels, "most pixels (width×height) an uploaded image may have, checked before decoding; more get 422")
	fs.IntVar(&c.MaxUploads, "max-concurrent-uploads", c.MaxUploads, "upload bodies being read at once, bounding the memory they hold; others wait")
	fs.StringVar(&c.APIKeys, "api-keys", c.APIKeys, "comma-separated keys that may upload and delete (Authorization: Bearer KEY); reads stay public")
	fs.BoolVar(&c.AllowAnonymousWrites, "allow-anonymous-writes", c.AllowAnonymousWrites, "without -api-keys, take writes from anyone even on a non-loopback address")
	fs.Var(bytesize.Flag{P: &c.CacheBytes}, "cache-bytes", "memory for derived images and decoded pyramid levels, in bytes")
	fs.Int64Var(&c.MaxOutputPixels, "max-output-pixels", c.MaxOutputPixels, "most pixels (width×height) a derived image may have; more get 422")
	fs.IntVar(&c.MaxQueuedRenders, "max-queued-renders", c.MaxQueuedRenders, "renders waiting for a slot at once; more get 503 (default: 64 per slot of -max-concurrent-renders)")
	fs.DurationVar(&c.QueueTimeout, "queue-timeout", c.QueueTimeout, "how long a render waits for a slot before its request gets 503 with Retry-After")
	fs.Var(bytesize.Flag{P: &c.MemoryBudget}, "memory-budget", "bytes the whole process may use: cache-bytes, a 64 MiB baseline, and work in flight (bodies, decoding, rendering, encoding), which waits or is refused beyond it; nine tenths of it is Go's soft memory limit (default: 1 GiB or 3/4 of the cgroup's or machine's memory, the smaller)")
	fs.Var(bytesize.Flag{P: &c.DerivedStoreBytes}, "derived-store-bytes", "bytes derived images and pyramid levels may take in the store; the least recently used are deleted beyond it (per node on S3: add a lifecycle rule for derived/) (0: off, no bound)")
	fs.StringVar(&c.PresetsFile, "presets", c.PresetsFile, `JSON file of named transforms, {"thumb": "w=256&h=256&fit=cover"}, asked for as ?preset=thumb without a sig`)
	fs.BoolVar(&c.PresetsOnly, "presets-only", c.PresetsOnly, "serve unsigned requests only presets: other transform parameters need a sig (and -signing-key)")
	fs.IntVar(&c.DerivedQuality, "derived-quality", c.DerivedQuality, "quality (1-99) of every derived image that asks for no colors, quality or max_bytes itself: a palette PNG of the fewest colours within 20 + 0.3×quality dB of lossless; ?quality=100 asks for lossless (0: off, lossless)")
	fs.IntVar(&c.MaxJPEGScans, "max-jpeg-scans", c.MaxJPEGScans, "most scans a JPEG may have, counted before decoding; more get 422")
	fs.BoolVar(&c.HEIC, "heic", c.HEIC, "decode HEIC uploads (iPhone photos) with libheif and libde265 (LGPL, in WebAssembly); off by default because HEVC is patent-encumbered: read docs/formats.md's HEIC section before you turn it on")
	fs.IntVar(&c.MaxFrames, "max-frames", c.MaxFrames, "most frames an uploaded animation (GIF, APNG, WebP) may have, counted before decoding; more get 422")
	fs.Int64Var(&c.MaxFramePixels, "max-frame-pixels", c.MaxFramePixels, "most frames × pixels an animation may have: an upload's frames × canvas, a derived animation's frames × output; more get 422")
	fs.Var(bytesize.Flag{P: &c.MinBodyRate}, "min-body-rate", "slowest a request body may arrive, in bytes a second on average after -body-grace; slower ones get 408 (0: off)")
	fs.DurationVar(&c.BodyGrace, "body-grace", c.BodyGrace, "how long a request body may take before -min-body-rate applies (0: off, the rate applies from the first byte)")
	fs.DurationVar(&c.DrainDelay, "drain-delay", c.DrainDelay, "on SIGTERM, how long /readyz answers 503 while requests are still served, so that a load balancer stops sending them, before the listener closes (0: off)")
	fs.StringVar(&c.AccessLog, "access-log", c.AccessLog, "a log line per request: on (buffered, written out every 200 ms and at exit) or off")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve GET /metrics (Prometheus) on this address instead of the API's (host:port); empty: on the API's listener")
	fs.StringVar(&c.SigningKey, "signing-key", c.SigningKey, "when set (at least 32 characters), derived-image URLs must carry a valid sig; make them with `pngd sign`")
	// Help asked for (-h, pngd help) goes to stdout; a mistake's message to
	// stderr, with a pointer to the help rather than all of it.
	fs.Usage = func() {}
	usage := func() {
		fmt.Fprintf(stdout, "Usage: pngd [flags]\n       pngd sign [-signing-key KEY] URL...\n       pngd help\n\npngd serves the image API of api/openapi.yaml. Each flag can also be set\nby the environment variable named after it; a flag beats its variable.\nSizes in bytes take a unit or none: 512MiB, 1GiB, 64MB, 1048576.\nA 0 turns off what a flag names (a timeout, a minimum, a bound, a delay);\nflags that cannot be off refuse it.\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(stdout, "  -%s (%s, default %q)\n    \t%s\n", f.Name, envName(f.Name), f.DefValue, f.Usage)
		})
	}
	if len(args) == 1 && args[0] == "help" {
		usage()
		return c, flag.ErrHelp
	}

	var errs []error
	set := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" {
			set[f.Name] = true
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
		}
	})
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		usage()
		return c, err
	} else if err != nil {
		return c, fmt.Errorf("%w (pngd -h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %q", fs.Args()))
	}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["max-queued-renders"] {
		c.MaxQueuedRenders = queuePerRender * c.MaxRenders
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// presets reads the -presets file: a JSON object of name → query.
func (c Config) presets() (map[string]string, error) {
	if c.PresetsFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(c.PresetsFile)
	if err != nil {
		return nil, fmt.Errorf("presets: %w", err)
	}
	var defs map[string]string
	if err := json.Unmarshal(data, &defs); err != nil {
		return nil, fmt.Errorf("presets: %s is not a JSON object of name → query string: %w", c.PresetsFile, err)
	}
	return defs, nil
}
