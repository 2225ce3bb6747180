package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pngd/pngd/gen"
)

const defaultURL = "http://127.0.0.1:8080"

// globals are the flags every command takes.
type globals struct {
	env      env
	url      string
	key      string
	json     bool
	progress string
}

func newGlobals(e env) *globals { return &globals{env: e, progress: "auto"} }

// flags returns a FlagSet named name with the common flags, bound to g, so
// that they may come before or after the command. Their defaults come from
// the environment when used, not in -h: a key is never printed.
func (g *globals) flags(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&g.url, "url", g.url, "pngd's address (default $PNGD_URL, else "+defaultURL+")")
	fs.StringVar(&g.key, "key", g.key, "API key for uploads and deletes (default $PNGD_API_KEY)")
	fs.BoolVar(&g.json, "json", g.json, "print machine-readable JSON on stdout")
	fs.StringVar(&g.progress, "progress", g.progress, "progress bars on stderr: auto (only on a terminal), always or never")
	return fs
}

// parse parses a command's flags, which may come before, between or after
// its arguments (pngctl info ID -json), and returns the arguments. "--"
// ends the flags. -h (or -help where -h is a flag) prints usage.
func (g *globals) parse(fs *flag.FlagSet, args []string, synopsis string) ([]string, error) {
	fs.Usage = func() {
		fmt.Fprintf(g.env.stderr, "Usage: pngctl %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, &cliError{exitUsage, "pngctl " + fs.Name() + ": " + err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...) // after "--": all arguments
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	switch g.progress {
	case "auto", "always", "never":
	default:
		return nil, usageErr("pngctl %s: -progress must be auto, always or never, not %q", fs.Name(), g.progress)
	}
	return positional, nil
}

// showProgress reports whether bars are drawn.
func (g *globals) showProgress() bool {
	return g.progress == "always" || (g.progress == "auto" && g.env.tty && !g.json)
}

func (g *globals) baseURL() string {
	switch {
	case g.url != "":
		return g.url
	case g.env.getenv("PNGD_URL") != "":
		return g.env.getenv("PNGD_URL")
	}
	return defaultURL
}

func (g *globals) apiKey() string {
	if g.key != "" {
		return g.key
	}
	return g.env.getenv("PNGD_API_KEY")
}

// client is the generated client for the server, sending the API key when
// there is one. Its HTTP client has no overall timeout, since downloads
// may be long, but gives up on a server that does not answer, and resends
// up to 5 times a request pngd answers 503 with Retry-After (retryBusy).
func (g *globals) client() (*gen.Client, error) {
	hc := &http.Client{Transport: &retryBusy{next: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		ResponseHeaderTimeout: 2 * time.Minute,
		IdleConnTimeout:       30 * time.Second,
		MaxIdleConnsPerHost:   16,
	}, retries: 5, maxWait: 30 * time.Second}}
	opts := []gen.ClientOption{gen.WithHTTPClient(hc)}
	if key := g.apiKey(); key != "" {
		opts = append(opts, gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	}
	c, err := gen.NewClient(g.baseURL(), opts...)
	if err != nil {
		return nil, usageErr("pngctl: -url %q: %v", g.baseURL(), err)
	}
	return c, nil
}

// printJSON writes v as indented JSON on stdout.
func (g *globals) printJSON(v any) error {
	enc := json.NewEncoder(g.env.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// netErr describes a failure to talk to pngd at all.
func netErr(g *globals, err error) error {
	return &cliError{exitFailed, fmt.Sprintf("cannot reach pngd at %s: %v", g.baseURL(), err)}
}

// answerErr turns an answer that is not what was asked for into an error
// that carries the problem's title and detail, with exit code 3 for a 4xx
// and 4 for anything else. It reads and closes the body.
func answerErr(resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var p gen.Problem
	msg := fmt.Sprintf("pngd answered %s", resp.Status)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") && json.Unmarshal(body, &p) == nil && p.Detail != "" {
		msg = fmt.Sprintf("%d %s: %s", resp.StatusCode, p.Title, p.Detail)
	}
	code := exitFailed
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		code = exitRefused
	}
	return &cliError{code, msg}
}
