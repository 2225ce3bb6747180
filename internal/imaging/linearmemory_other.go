//go:build !linux

package imaging

import "github.com/tetratelabs/wazero/experimental"

// trackedMemory, off Linux: a Go slice that grows by copying, as wazero's
// own memory (no MAP_NORESERVE mapping to give pages back from), and no
// mapping.
func trackedMemory() (experimental.MemoryAllocator, func() *mappedMemory) {
	return experimental.MemoryAllocatorFunc(func(capacity, max uint64) experimental.LinearMemory {
		return &goMemory{buf: make([]byte, 0, capacity)}
	}), func() *mappedMemory { return nil }
}

type mappedMemory struct{}

func (*mappedMemory) release([]byte) {}
