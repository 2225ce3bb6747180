package imaging

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// wasmModule is a decoder's WebAssembly module (gzipped in its Go
// package), compiled once.
type wasmModule struct {
	name string // "libavif", "libheif": for errors
	rt   wazero.Runtime
	cm   wazero.CompiledModule
}

func compileWasm(name string, gz []byte) (*wasmModule, error) {
	ctx := context.Background()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("%s's WebAssembly: %w", name, err)
	}
	wasm, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s's WebAssembly: %w", name, err)
	}
	rt := wazero.NewRuntime(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	cm, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("%s's WebAssembly: %w", name, err)
	}
	return &wasmModule{name, rt, cm}, nil
}

// wasmRun is one instance of a module, for one decode: its memory a
// mapping that never moves (linearmemory.go). Close it when done.
type wasmRun struct {
	api.Module
	ctx     context.Context
	name    string
	alloc   api.Function
	mapping func() *mappedMemory
}

// start instantiates the module, anonymous so that decodes run side by
// side, with its messages (for its developers, not pngd's log) dropped,
// and returns the instance and its exported function fn.
func (w *wasmModule) start(fn string) (*wasmRun, api.Function, error) {
	allocator, mapping := trackedMemory()
	ctx := experimental.WithMemoryAllocator(context.Background(), allocator)
	cfg := wazero.NewModuleConfig().WithName("").WithStdout(io.Discard).WithStderr(io.Discard)
	m, err := w.rt.InstantiateModule(ctx, w.cm, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%s's WebAssembly: %w", w.name, err)
	}
	r := &wasmRun{Module: m, ctx: ctx, name: w.name, alloc: m.ExportedFunction("malloc"), mapping: mapping}
	f := m.ExportedFunction(fn)
	if r.alloc == nil || f == nil {
		m.Close(ctx)
		return nil, nil, fmt.Errorf("%s's WebAssembly exports no malloc or %s", w.name, fn)
	}
	return r, f, nil
}

// Close ends the instance and gives its memory back.
func (r *wasmRun) Close() { r.Module.Close(r.ctx) }

// malloc allocates n bytes of the instance's memory.
func (r *wasmRun) malloc(n int) (uint64, error) {
	if uint64(n) >= 1<<32 {
		return 0, errors.New("larger than WebAssembly's memory")
	}
	res, err := r.alloc.Call(r.ctx, uint64(n))
	if err != nil || res[0] == 0 {
		return 0, fmt.Errorf("%s's WebAssembly: out of memory for %d bytes", r.name, n)
	}
	return res[0], nil
}

// put copies data into newly allocated memory of the instance.
func (r *wasmRun) put(data []byte) (uint64, error) {
	p, err := r.malloc(len(data))
	if err != nil {
		return 0, err
	}
	if !r.Memory().Write(uint32(p), data) {
		return 0, fmt.Errorf("%s's WebAssembly: the file does not fit its memory", r.name)
	}
	return p, nil
}

// startDecode starts an instance of the module load gives, finds its
// decode function and copies data into its memory, at in.
func startDecode(load func() (*wasmModule, error), data []byte) (m *wasmRun, decode api.Function, in uint64, err error) {
	mod, err := load()
	if err != nil {
		return nil, nil, 0, err
	}
	if m, decode, err = mod.start("decode"); err != nil {
		return nil, nil, 0, err
	}
	if in, err = m.put(data); err != nil {
		m.Close()
		return nil, nil, 0, err
	}
	return m, decode, in, nil
}

// goMemory is a Go slice that grows by copying, as wazero's own memory.
type goMemory struct{ buf []byte }

func (m *goMemory) Reallocate(size uint64) []byte {
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	n := make([]byte, size, size+size/2)
	copy(n, m.buf)
	m.buf = n
	return n
}

func (m *goMemory) Free() { m.buf = nil }
