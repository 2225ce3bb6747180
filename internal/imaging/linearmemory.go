//go:build linux

package imaging

import (
	"syscall"
	"unsafe"

	"github.com/tetratelabs/wazero/experimental"
)

// trackedMemory is an allocator for one WebAssembly module instance: its
// memory is an anonymous private mapping of its largest size, reserved but
// not committed (MAP_NORESERVE), so that growing it is a new length on the
// same bytes, never a copy, and the kernel commits a page when the module
// first touches it; closing the module unmaps it. Where the mapping fails,
// a Go slice that grows by copying, as wazero's own memory. The second
// result is the mapping (nil without one), through which the caller gives
// back pages it has copied out (mappedMemory.release).
func trackedMemory() (experimental.MemoryAllocator, func() *mappedMemory) {
	var mapped *mappedMemory
	return experimental.MemoryAllocatorFunc(func(capacity, max uint64) experimental.LinearMemory {
			if mapped = newMappedMemory(max); mapped != nil {
				return mapped
			}
			return &goMemory{buf: make([]byte, 0, capacity)}
		}), func() *mappedMemory {
			return mapped
		}
}

func newMappedMemory(max uint64) *mappedMemory {
	buf, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	return &mappedMemory{buf: buf}
}

type mappedMemory struct{ buf []byte }

// release gives the whole pages of b, a part of the mapping the module
// will not read again, back to the kernel: a picture copied out of the
// module then does not count twice in the process's resident memory.
func (m *mappedMemory) release(b []byte) {
	if m == nil || len(b) == 0 {
		return
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.buf)))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b))) - base
	end := start + uintptr(len(b))
	page := uintptr(syscall.Getpagesize())
	start = (start + page - 1) &^ (page - 1)
	end &^= page - 1
	if start >= end || end > uintptr(len(m.buf)) {
		return
	}
	syscall.Madvise(m.buf[start:end], 4) // MADV_DONTNEED
}

func (m *mappedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size:size]
}

func (m *mappedMemory) Free() {
	if m.buf != nil {
		syscall.Munmap(m.buf)
		m.buf = nil
	}
}
