package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/pngd/pngd/gen"
)

// imageExts are the files a directory walk uploads; a file named on the
// command line is uploaded whatever its name, since pngd reads the format
// from the bytes.
var imageExts = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".webp": "image/webp", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
}

// uploadResult is one file's outcome, as printed with -json.
type uploadResult struct {
	File   string `json:"file"`
	Status string `json:"status"` // created, exists (pngd had it), skipped (known stored, not sent), failed
	ID     string `json:"id,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	Size   int64  `json:"size,omitempty"`
	Error  string `json:"error,omitempty"`
	code   int
}

func runUpload(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("upload", g.env)
	jobs := fs.Int("j", 4, "uploads at once")
	force := fs.Bool("force", false, "upload even files pngctl knows are stored")
	args, err := g.parse(fs, args, "upload [-j N] [-force] FILE|DIR...")
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageErr("pngctl upload: name at least one file or directory")
	}
	if *jobs < 1 || *jobs > 64 {
		return usageErr("pngctl upload: -j must be 1 to 64, not %d", *jobs)
	}
	files, err := collect(args)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	known := openKnown(g)

	var total int64
	for _, f := range files {
		total += f.size
	}
	bars := newProgress(g, len(files), total)
	results := make([]uploadResult, len(files))
	// Each file's line as it finishes: above the bars when they are drawn
	// on the terminal stdout shares, else on stdout.
	var out io.Writer = g.env.stdout
	if bars != nil && g.env.outTTY {
		out = bars.p
	}
	var mu sync.Mutex
	report := func(r uploadResult) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.code != exitOK:
			if bars != nil {
				fmt.Fprintf(bars.p, "pngctl upload: %s: %s\n", r.File, r.Error)
			} else {
				fmt.Fprintf(g.env.stderr, "pngctl upload: %s: %s\n", r.File, r.Error)
			}
		case !g.json:
			fmt.Fprintf(out, "%s  %-7s  %s\n", r.ID, r.Status, r.File)
		}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(*jobs, len(files)) {
		wg.Go(func() {
			for i := range work {
				results[i] = uploadOne(ctx, c, known, bars, files[i], *force)
				report(results[i])
			}
		})
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	bars.wait()
	known.save()

	worst := exitOK
	for _, r := range results {
		worst = max(worst, r.code)
	}
	if g.json {
		if err := g.printJSON(results); err != nil {
			return err
		}
	}
	if worst != exitOK {
		n := 0
		for _, r := range results {
			if r.code != exitOK {
				n++
			}
		}
		return &cliError{worst, fmt.Sprintf("pngctl upload: %d of %d files failed", n, len(results))}
	}
	return nil
}

type localFile struct {
	path string
	size int64
}

// collect lists the files to upload: each FILE, and the image files under
// each DIR (hidden ones left out), in a stable order.
func collect(args []string) ([]localFile, error) {
	var files []localFile
	seen := map[string]bool{}
	add := func(p string, size int64) {
		if !seen[p] {
			seen[p] = true
			files = append(files, localFile{p, size})
		}
	}
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, localErr("pngctl upload: %v", err)
		}
		if !info.IsDir() {
			add(arg, info.Size())
			continue
		}
		var found []localFile
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && p != arg {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && imageExts[strings.ToLower(filepath.Ext(p))] != "" {
				info, err := d.Info()
				if err != nil {
					return err
				}
				found = append(found, localFile{p, info.Size()})
			}
			return nil
		})
		if err != nil {
			return nil, localErr("pngctl upload: %v", err)
		}
		slices.SortFunc(found, func(a, b localFile) int { return strings.Compare(a.path, b.path) })
		for _, f := range found {
			add(f.path, f.size)
		}
	}
	if len(files) == 0 {
		return nil, localErr("pngctl upload: no image files (%s) under %s", strings.Join(slices.Sorted(maps.Keys(imageExts)), " "), strings.Join(args, " "))
	}
	return files, nil
}

// uploadOne stores one file, unless pngctl knows it is stored already and
// pngd confirms it still has it.
func uploadOne(ctx context.Context, c *gen.Client, known *knownUploads, bars *progress, f localFile, force bool) uploadResult {
	r := uploadResult{File: f.path}
	fail := func(err error) uploadResult {
		r.Status, r.Error, r.code = "failed", err.Error(), exitCode(err)
		return r
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return fail(localErr("%v", err))
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if id := known.get(hash); id != "" && !force {
		resp, err := c.GetImageInfo(ctx, id)
		if err != nil {
			return fail(&cliError{exitFailed, err.Error()})
		}
		if resp.StatusCode == http.StatusOK {
			var im gen.Image
			err := json.NewDecoder(resp.Body).Decode(&im)
			resp.Body.Close()
			if err == nil {
				r.Status, r.ID, r.Width, r.Height, r.Size = "skipped", im.Id, im.Width, im.Height, im.Size
				_, finish := bars.file(f.path, int64(len(data)), int64(len(data)))
				finish(true)
				return r
			}
		} else {
			resp.Body.Close() // gone from pngd (or unknown to this one): upload it
		}
	}

	contentType := imageExts[strings.ToLower(filepath.Ext(f.path))]
	if contentType == "" {
		contentType = "image/*"
	}
	wrap, finish := bars.file(f.path, int64(len(data)), 0)
	resp, err := c.UploadImageWithBody(ctx, contentType, wrap(bytes.NewReader(data)), func(_ context.Context, req *http.Request) error {
		req.ContentLength = int64(len(data))
		// Sent again as it is if pngd is busy (retryBusy); the bar
		// shows the first sending.
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		return nil
	})
	if err != nil {
		finish(false)
		return fail(&cliError{exitFailed, err.Error()})
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		finish(false)
		return fail(answerErr(resp))
	}
	finish(true)
	var im gen.Image
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&im)
	resp.Body.Close()
	if err != nil {
		return fail(&cliError{exitFailed, "pngd's answer to the upload is not an Image: " + err.Error()})
	}
	r.Status = "created"
	if resp.StatusCode == http.StatusOK {
		r.Status = "exists"
	}
	r.ID, r.Width, r.Height, r.Size = im.Id, im.Width, im.Height, im.Size
	known.put(hash, im.Id)
	return r
}

// knownUploads remembers, per server, which file contents (by SHA-256) were
// stored under which id, so that a second upload of a directory sends only
// what is new. pngd's ids hash the stored PNG, not the file, so they cannot
// be computed locally. It lives in the user's cache directory
// ($XDG_CACHE_HOME/pngctl, else ~/.cache/pngctl); losing it costs only
// re-sending files, which pngd answers 200.
type knownUploads struct {
	mu     sync.Mutex
	path   string
	server string
	ids    map[string]map[string]string // server → file hash → id
	dirty  bool
}

func openKnown(g *globals) *knownUploads {
	k := &knownUploads{server: strings.TrimRight(g.baseURL(), "/"), ids: map[string]map[string]string{}}
	dir := g.env.getenv("XDG_CACHE_HOME")
	if dir == "" {
		if home := g.env.getenv("HOME"); home != "" {
			dir = filepath.Join(home, ".cache")
		}
	}
	if dir == "" {
		return k
	}
	k.path = filepath.Join(dir, "pngctl", "uploads.json")
	if b, err := os.ReadFile(k.path); err == nil {
		_ = json.Unmarshal(b, &k.ids) // a damaged file is started afresh
	}
	if k.ids == nil {
		k.ids = map[string]map[string]string{}
	}
	return k
}

func (k *knownUploads) get(hash string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ids[k.server][hash]
}

func (k *knownUploads) put(hash, id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ids[k.server] == nil {
		k.ids[k.server] = map[string]string{}
	}
	if k.ids[k.server][hash] != id {
		k.ids[k.server][hash] = id
		k.dirty = true
	}
}

// save writes the file atomically; failing to is not worth failing the
// upload over.
func (k *knownUploads) save() {
	if !k.dirty || k.path == "" {
		return
	}
	b, err := json.Marshal(k.ids)
	if err != nil || os.MkdirAll(filepath.Dir(k.path), 0o700) != nil {
		return
	}
	tmp := k.path + ".tmp"
	if os.WriteFile(tmp, b, 0o600) == nil {
		_ = os.Rename(tmp, k.path)
	}
}
