package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/sign"
)

// runList prints every stored image, following the pages to the end.
func runList(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("ls", g.env)
	limit := fs.Int("limit", 1000, "images asked for per page")
	args, err := g.parse(fs, args, "ls [-limit N]")
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return usageErr("pngctl ls takes no arguments")
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	items := []gen.ImageSummary{}
	var cursor *string
	for {
		resp, err := c.ListImages(ctx, &gen.ListImagesParams{Limit: limit, Cursor: cursor})
		if err != nil {
			return netErr(g, err)
		}
		if resp.StatusCode != http.StatusOK {
			return answerErr(resp)
		}
		var page gen.ImageList
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return &cliError{exitFailed, "pngd's page is not an ImageList: " + err.Error()}
		}
		items = append(items, page.Items...)
		if page.Next == nil {
			break
		}
		cursor = page.Next
	}
	if g.json {
		return g.printJSON(items)
	}
	for _, it := range items {
		fmt.Fprintf(g.env.stdout, "%s  %10d  %s\n", it.Id, it.Size, it.Created.UTC().Format(time.RFC3339))
	}
	return nil
}

// runInfo prints each image's metadata.
func runInfo(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("info", g.env)
	args, err := g.parse(fs, args, "info ID...")
	if err != nil {
		return err
	}
	ids, err := imageIDs("info", args)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	var all []gen.Image
	for _, id := range ids {
		resp, err := c.GetImageInfo(ctx, id)
		if err != nil {
			return netErr(g, err)
		}
		if resp.StatusCode != http.StatusOK {
			return answerErr(resp)
		}
		var im gen.Image
		err = json.NewDecoder(resp.Body).Decode(&im)
		resp.Body.Close()
		if err != nil {
			return &cliError{exitFailed, "pngd's answer is not an Image: " + err.Error()}
		}
		all = append(all, im)
	}
	if g.json {
		if len(all) == 1 {
			return g.printJSON(all[0])
		}
		return g.printJSON(all)
	}
	for _, im := range all {
		fmt.Fprintf(g.env.stdout, "id       %s\nsize     %d bytes\npixels   %d×%d\ncreated  %s\netag     %s\nurl      %s\n\n",
			im.Id, im.Size, im.Width, im.Height, im.Created.UTC().Format(time.RFC3339), im.Etag, im.Url)
	}
	return nil
}

// runRemove deletes each image; its derived images become unreachable.
func runRemove(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("rm", g.env)
	args, err := g.parse(fs, args, "rm ID...")
	if err != nil {
		return err
	}
	ids, err := imageIDs("rm", args)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	deleted := []string{}
	for _, id := range ids {
		resp, err := c.DeleteImage(ctx, id)
		if err != nil {
			return netErr(g, err)
		}
		if resp.StatusCode != http.StatusNoContent {
			return answerErr(resp)
		}
		resp.Body.Close()
		deleted = append(deleted, id)
		if !g.json {
			fmt.Fprintf(g.env.stdout, "deleted %s\n", id)
		}
	}
	if g.json {
		return g.printJSON(map[string][]string{"deleted": deleted})
	}
	return nil
}

func imageIDs(cmd string, args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, usageErr("pngctl %s: give at least one image id", cmd)
	}
	for _, a := range args {
		if !idPattern.MatchString(a) {
			return nil, usageErr("pngctl %s: %q is not an image id (64 lowercase hex digits)", cmd, a)
		}
	}
	return args, nil
}

// runSign prints each URL with the sig a server with the same signing key
// accepts. Like the server, it refuses a key shorter than 32 characters,
// and it never prints the key.
func runSign(_ context.Context, g *globals, args []string) error {
	fs := g.flags("sign", g.env)
	keyFlag := fs.String("signing-key", "", "the server's signing key (default $PNGD_SIGNING_KEY)")
	args, err := g.parse(fs, args, "sign [-signing-key KEY] URL...")
	if err != nil {
		return err
	}
	key := *keyFlag
	if key == "" {
		key = g.env.getenv("PNGD_SIGNING_KEY")
	}
	switch {
	case key == "":
		return usageErr("pngctl sign: no key: set PNGD_SIGNING_KEY or -signing-key")
	case len(key) < 32:
		return usageErr("pngctl sign: the key has %d characters; pngd refuses keys under 32, so no URL it signs would verify", len(key))
	case len(args) == 0:
		return usageErr("pngctl sign: give at least one URL")
	}
	var signed []string
	for _, u := range args {
		s, err := sign.URL([]byte(key), u)
		if err != nil {
			return usageErr("pngctl sign: %q is not a URL", u)
		}
		signed = append(signed, s)
	}
	if g.json {
		return g.printJSON(signed)
	}
	for _, s := range signed {
		fmt.Fprintln(g.env.stdout, s)
	}
	return nil
}
