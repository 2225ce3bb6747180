package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/pngd/pngd/gen"
)

// maxHeatInput bounds what heat reads: the most values /vector_image takes
// (1,048,576), at up to 24 bytes each.
const maxHeatInput = 24 << 20

// runHeat renders numbers from a file or stdin as a heatmap PNG through
// POST /vector_image. A grid's shape comes from the input (CSV rows, lines
// of numbers, a JSON array of arrays) unless -rows or -cols say otherwise.
func runHeat(ctx context.Context, g *globals, args []string) error {
	fs := g.flags("heat", g.env)
	out := fs.String("o", "heat.png", "PNG file to write (- for stdout)")
	format := fs.String("format", "auto", "input format: auto, csv, json or text (whitespace-separated numbers)")
	rows := fs.Int("rows", 0, "grid rows (default: from the input)")
	cols := fs.Int("cols", 0, "grid columns (default: from the input)")
	width := fs.Int("width", 256, "output width in pixels")
	height := fs.Int("height", 256, "output height in pixels")
	colormap := fs.String("colormap", "viridis", "viridis, magma, inferno, plasma, cividis, turbo or gray")
	minV := fs.String("min", "", "value drawn with the first colour (default: the data's minimum)")
	maxV := fs.String("max", "", "value drawn with the last colour (default: the data's maximum)")
	interp := fs.String("interpolation", "nearest", "nearest or bilinear")
	args, err := g.parse(fs, args, "heat [flags] [FILE|-]")
	if err != nil {
		return err
	}
	if len(args) > 1 {
		return usageErr("pngctl heat: give at most one input file (default stdin)")
	}
	var in io.Reader = g.env.stdin
	name := "stdin"
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return localErr("pngctl heat: %v", err)
		}
		defer f.Close()
		in, name = f, args[0]
	}
	data, err := io.ReadAll(io.LimitReader(in, maxHeatInput+1))
	if err != nil {
		return localErr("pngctl heat: reading %s: %v", name, err)
	}
	if len(data) > maxHeatInput {
		return localErr("pngctl heat: %s is larger than %d bytes, more than /vector_image's 1,048,576 values", name, maxHeatInput)
	}
	req, err := parseHeat(data, *format)
	if err != nil {
		return localErr("pngctl heat: %s: %v", name, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["rows"] || (set["cols"] && !set["rows"]) {
		req.Rows = nil // the flags decide the shape
		req.Cols = nil
	}
	if set["rows"] {
		req.Rows = rows
	}
	if set["cols"] {
		req.Cols = cols
	}
	req.Width, req.Height = width, height
	cm := gen.Colormap(*colormap)
	req.Colormap = &cm
	ip := gen.Interpolation(*interp)
	req.Interpolation = &ip
	for _, b := range []struct {
		s   string
		dst **float64
	}{{*minV, &req.Min}, {*maxV, &req.Max}} {
		if b.s == "" {
			continue
		}
		v, err := strconv.ParseFloat(b.s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return usageErr("pngctl heat: -min and -max take finite numbers, not %q", b.s)
		}
		*b.dst = &v
	}

	c, err := g.client()
	if err != nil {
		return err
	}
	resp, err := c.RenderVectorImage(ctx, req)
	if err != nil {
		return netErr(g, err)
	}
	if resp.StatusCode != http.StatusOK {
		return answerErr(resp)
	}
	defer resp.Body.Close()
	if *out == "-" {
		_, err := io.Copy(g.env.stdout, resp.Body)
		return err
	}
	png, err := io.ReadAll(resp.Body)
	if err != nil {
		return &cliError{exitFailed, "heatmap cut off: " + err.Error()}
	}
	if err := os.WriteFile(*out, png, 0o644); err != nil {
		return localErr("pngctl heat: %v", err)
	}
	if g.json {
		return g.printJSON(map[string]any{"file": *out, "bytes": len(png), "values": len(req.Values)})
	}
	fmt.Fprintf(g.env.stdout, "%s  %d bytes, %d values\n", *out, len(png), len(req.Values))
	return nil
}

// parseHeat reads numbers in one of heat's formats. Empty CSV cells, and
// null, NaN or "-" anywhere, are missing values (drawn transparent).
func parseHeat(data []byte, format string) (gen.VectorImageRequest, error) {
	var req gen.VectorImageRequest
	trimmed := bytes.TrimSpace(data)
	if format == "auto" {
		switch {
		case len(trimmed) == 0:
			return req, fmt.Errorf("no numbers")
		case trimmed[0] == '[' || trimmed[0] == '{':
			format = "json"
		case bytes.ContainsRune(trimmed, ','):
			format = "csv"
		default:
			format = "text"
		}
	}
	var grid [][]*float64
	switch format {
	case "json":
		var v any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return req, fmt.Errorf("not JSON: %v", err)
		}
		if obj, ok := v.(map[string]any); ok {
			// {"values": [...], "rows": ..., ...}: the request itself.
			if err := json.Unmarshal(trimmed, &req); err != nil {
				return req, fmt.Errorf("not a /vector_image request: %v", err)
			}
			if _, ok := obj["values"]; !ok {
				return req, fmt.Errorf(`a JSON object needs "values"`)
			}
			return req, nil
		}
		arr, ok := v.([]any)
		if !ok {
			return req, fmt.Errorf("JSON input must be an array of numbers, an array of arrays, or an object with values")
		}
		if len(arr) > 0 {
			if _, nested := arr[0].([]any); nested {
				for i, r := range arr {
					row, ok := r.([]any)
					if !ok {
						return req, fmt.Errorf("row %d is not an array", i)
					}
					cells, err := jsonNumbers(row)
					if err != nil {
						return req, fmt.Errorf("row %d: %v", i, err)
					}
					grid = append(grid, cells)
				}
				break
			}
		}
		cells, err := jsonNumbers(arr)
		if err != nil {
			return req, err
		}
		grid = [][]*float64{cells}
	case "csv":
		r := csv.NewReader(bytes.NewReader(trimmed))
		r.FieldsPerRecord = -1
		r.TrimLeadingSpace = true
		records, err := r.ReadAll()
		if err != nil {
			return req, fmt.Errorf("not CSV: %v", err)
		}
		for i, rec := range records {
			row := make([]*float64, len(rec))
			for j, f := range rec {
				if row[j], err = number(f); err != nil {
					return req, fmt.Errorf("line %d, field %d: %v", i+1, j+1, err)
				}
			}
			grid = append(grid, row)
		}
	case "text":
		for i, line := range strings.Split(string(trimmed), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			row := make([]*float64, len(fields))
			for j, f := range fields {
				var err error
				if row[j], err = number(f); err != nil {
					return req, fmt.Errorf("line %d, number %d: %v", i+1, j+1, err)
				}
			}
			grid = append(grid, row)
		}
	default:
		return req, fmt.Errorf("-format must be auto, csv, json or text, not %q", format)
	}
	// One row, or rows of differing lengths: a flat vector. Rows of one
	// length: a matrix of that shape.
	square := len(grid) > 1
	for _, row := range grid {
		req.Values = append(req.Values, row...)
		if len(row) != len(grid[0]) {
			square = false
		}
	}
	if len(req.Values) == 0 {
		return req, fmt.Errorf("no numbers")
	}
	if square {
		r, c := len(grid), len(grid[0])
		req.Rows, req.Cols = &r, &c
	}
	return req, nil
}

func jsonNumbers(arr []any) ([]*float64, error) {
	out := make([]*float64, len(arr))
	for i, v := range arr {
		switch n := v.(type) {
		case nil:
		case json.Number:
			f, err := n.Float64()
			if err != nil || math.IsInf(f, 0) {
				return nil, fmt.Errorf("item %d (%s) is not a finite number", i, n)
			}
			out[i] = &f
		default:
			return nil, fmt.Errorf("item %d is not a number or null", i)
		}
	}
	return out, nil
}

// number parses one cell; empty, "null", "NaN", "NA" and "-" are missing.
func number(s string) (*float64, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "null", "nan", "na", "-":
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%q is not a finite number", s)
	}
	return &f, nil
}
