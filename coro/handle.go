package coro

import (
	"sync"
	"sync/atomic"
)

// handle names a Go value held on behalf of C++ (which only ever sees the number). It plays the role of
// runtime/cgo.Handle with an array-backed table instead of a map: lookups are one indexed load, which matters
// when every task step looks its task up.
type handle uintptr

// The table is a two-level array: chunks of handleChunk slots, allocated on first use and never freed, so a slot's
// address is stable and lookups need no lock. Free slots are recycled through a stack under handleMu.
const (
	handleChunkBits = 12
	handleChunk     = 1 << handleChunkBits
	handleMaxChunks = 1 << 16 // 268M live handles
)

type handleSlot struct{ v any }

var (
	handleChunks [handleMaxChunks]atomic.Pointer[[handleChunk]handleSlot]
	handleMu     sync.Mutex
	handleFree   []uint32 // free slot indexes
	handleNext   uint32   // first never-used slot index
)

// liveHandles counts handles given to C++ and not yet released.
var liveHandles atomic.Int64

// LiveHandles reports how many Go values are currently referenced from C++ (through handles). It is 0
// whenever no task, callback or executor is outstanding; tests use it to prove nothing leaks.
func LiveHandles() int64 { return liveHandles.Load() }

func newHandle(v any) handle {
	handleMu.Lock()
	var i uint32
	if n := len(handleFree); n > 0 {
		i = handleFree[n-1]
		handleFree = handleFree[:n-1]
	} else {
		i = handleNext
		if i>>handleChunkBits >= handleMaxChunks {
			handleMu.Unlock()
			panic("coro: too many live handles")
		}
		handleNext++
		if i&(handleChunk-1) == 0 && handleChunks[i>>handleChunkBits].Load() == nil {
			handleChunks[i>>handleChunkBits].Store(new([handleChunk]handleSlot))
		}
	}
	handleMu.Unlock()
	handleChunks[i>>handleChunkBits].Load()[i&(handleChunk-1)].v = v
	liveHandles.Add(1)
	return handle(i + 1) // 0 is never a valid handle
}

func (h handle) slot() *handleSlot {
	i := uint32(h - 1)
	return &handleChunks[i>>handleChunkBits].Load()[i&(handleChunk-1)]
}

// Value returns the value behind a live handle.
func (h handle) Value() any { return h.slot().v }

// releaseHandle returns the value behind h and frees h; each handle is released exactly once.
func releaseHandle(h handle) any {
	s := h.slot()
	v := s.v
	s.v = nil
	liveHandles.Add(-1)
	handleMu.Lock()
	handleFree = append(handleFree, uint32(h-1))
	handleMu.Unlock()
	return v
}
