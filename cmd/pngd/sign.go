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
	// The default is read after parsing, so that -h never prints the key.
	keyFlag := fs.String("signing-key", "", "the server's signing key (default $PNGD_SIGNING_KEY)")
	fs.Usage = func() {}
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: pngd sign [-signing-key KEY] URL...\n\nPrints each URL (absolute, or a path with its query) with a sig parameter\nthat a pngd server with the same key accepts.\n\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return nil
	} else if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	key := *keyFlag
	if key == "" {
		key = getenv("PNGD_SIGNING_KEY")
	}
	switch {
	case key == "":
		return errors.New("sign: no key: set PNGD_SIGNING_KEY or -signing-key")
	case len(key) < minSigningKey:
		// The server refuses such a key (-signing-key), so nothing signed
		// with it would ever verify.
		return fmt.Errorf("sign: the key has %d characters; pngd refuses signing keys under %d", len(key), minSigningKey)
	case fs.NArg() == 0:
		usage(stderr)
		return errors.New("sign: no URL to sign")
	}
	for _, u := range fs.Args() {
		signed, err := sign.URL([]byte(key), u)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, signed)
	}
	return nil
}
