package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/pngd/pngd/sign"
)

// runSign is `pngd sign URL...`: it prints each URL with the sig a server
// with the same -signing-key (PNGD_SIGNING_KEY) accepts.
func runSign(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pngd sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("signing-key", getenv("PNGD_SIGNING_KEY"), "the server's signing key (default $PNGD_SIGNING_KEY)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: pngd sign [-signing-key KEY] URL...\n\nPrints each URL (absolute, or a path with its query) with a sig parameter\nthat a pngd server with the same key accepts.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if *key == "" {
		return errors.New("sign: no key: set PNGD_SIGNING_KEY or -signing-key")
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("sign: no URL to sign")
	}
	for _, u := range fs.Args() {
		signed, err := sign.URL([]byte(*key), u)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, signed)
	}
	return nil
}
