// Command pngctl is pngd's command-line client, built on the Go client that
// oapi-codegen generates from api/openapi.yaml (package gen).
//
//	pngctl upload [-j N] FILE|DIR...   store images (directories walked)
//	pngctl get ID [transform flags] [-o FILE]   download, resuming a .part
//	pngctl ls | info ID... | rm ID... | sign URL... | heat [FILE]
//
// The server is -url or PNGD_URL, the key -key or PNGD_API_KEY. Exit codes
// tell failures apart: see usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/pngd/pngd/internal/buildinfo"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// Exit codes.
const (
	exitOK      = 0
	exitLocal   = 1 // a local file could not be read or written, or its data is not usable
	exitUsage   = 2 // the command line is wrong
	exitRefused = 3 // pngd refused the request (4xx)
	exitFailed  = 4 // pngd failed (5xx) or could not be reached
)

const usage = `Usage: pngctl [-url URL] [-key KEY] [-json] COMMAND [flags] [args]

Commands:
  upload [-j N] FILE|DIR...   store images; directories are walked for image
                              files; files stored before are skipped
  get ID [flags] [-o FILE]    download an image, or one derived from it
                              (-w -h -fit -gravity -rotate -flip -grayscale
                              -blur -dpr -preset); an interrupted download
                              resumes from FILE.part with a Range request
  ls                          list every stored image
  info ID...                  an image's metadata
  rm ID...                    delete images
  sign URL...                 add the sig a server with -signing-key accepts
  heat [FILE|-] [-o FILE]     numbers (CSV, JSON or whitespace-separated)
                              rendered as a heatmap PNG by /vector_image
  help                        this text

Every command takes -url (default $PNGD_URL, else http://127.0.0.1:8080),
-key (default $PNGD_API_KEY; needed to upload and delete), -json (machine-
readable output on stdout) and -progress (auto: bars on stderr only when it
is a terminal; always; never). "pngctl COMMAND -h" lists a command's flags.

Exit codes: 0 success; 1 a local file or its data; 2 usage; 3 pngd refused
the request (4xx: its title and detail are printed); 4 pngd failed (5xx) or
could not be reached.
`

// env is what pngctl takes from its surroundings, so that tests can give
// their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	tty    bool // stderr is a terminal: progress bars are drawn there
	outTTY bool // stdout is a terminal too: lines printed during bars go above them
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, tty: term.IsTerminal(int(os.Stderr.Fd())), outTTY: term.IsTerminal(int(os.Stdout.Fd()))}
	os.Exit(run(ctx, os.Args[1:], e))
}

// cliError is a failure with the exit code that tells its kind.
type cliError struct {
	code int
	msg  string
}

func (e *cliError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &cliError{exitUsage, fmt.Sprintf(format, args...)}
}

func localErr(format string, args ...any) error {
	return &cliError{exitLocal, fmt.Sprintf(format, args...)}
}

// exitCode is err's exit code: a cliError's own, or exitFailed.
func exitCode(err error) int {
	var c *cliError
	if errors.As(err, &c) {
		return c.code
	}
	return exitFailed
}

// run is pngctl: it returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	if len(args) == 1 && (args[0] == "-version" || args[0] == "--version" || args[0] == "version") {
		fmt.Fprintln(e.stdout, buildinfo.Version("pngctl"))
		return exitOK
	}
	g := newGlobals(e)
	fs := g.flags("pngctl", e)
	fs.Usage = func() { fmt.Fprint(e.stderr, usage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	commands := map[string]func(context.Context, *globals, []string) error{
		"upload": runUpload,
		"get":    runGet,
		"ls":     runList,
		"info":   runInfo,
		"rm":     runRemove,
		"sign":   runSign,
		"heat":   runHeat,
	}
	if cmd == "help" {
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	c, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(e.stderr, "pngctl: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	err := c(ctx, g, rest)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "pngctl") {
			msg = "pngctl " + cmd + ": " + msg
		}
		fmt.Fprintln(e.stderr, msg)
		return exitCode(err)
	}
	return exitOK
}
