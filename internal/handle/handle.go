// Package handle is the table of Go values held on behalf of C++, which only ever sees their numbers: coro's
// tasks, callbacks and waiters, and the net packages' per-server and per-connection state. Everything in it counts
// in coro.LiveHandles, which tests use to prove nothing leaks.
package handle

import "sync/atomic"

// Handle names a Go value held on behalf of C++ (which only ever sees the number); 0 is never one. It plays the
// role of runtime/cgo.Handle with an array-backed table instead of a map: lookups are one indexed load, which matters
// when every task step looks its task up.
type Handle uintptr

// The table is a two-level array: chunks of handleChunk slots, allocated on first use and never freed, so a slot's
// address is stable and lookups need no lock. Handles are typically taken on one thread and released on others
// (executor threads), so free slots travel through two lock-free stacks linked through the slots: releasers push onto
// handleReleased; takers pop from handleFree and, when it is empty, move the whole released stack over at once. Each
// stack head (and each half of the live count) sits on its own cache line, so takers and releasers rarely touch the
// same line.
const (
	handleChunkBits = 12
	handleChunk     = 1 << handleChunkBits
	handleMaxChunks = 1 << 16 // 268M live handles
)

type handleSlot struct {
	v    any
	next atomic.Uint32 // while free: index+1 of the next free slot, 0 at the bottom
}

type padded[T any] struct {
	v T
	_ [64]byte
}

var (
	handleChunks [handleMaxChunks]atomic.Pointer[[handleChunk]handleSlot]
	// low 32 bits: index+1 of the top slot (0: empty); high 32 bits: a tag against ABA (handleFree is popped one
	// slot at a time)
	handleFree     padded[atomic.Uint64]
	handleReleased padded[atomic.Uint32] // index+1 of the top slot; only ever pushed onto or taken whole
	handleNext     padded[atomic.Uint32] // first never-used slot index
	handlesTaken   padded[atomic.Int64]
	handlesFreed   padded[atomic.Int64]
)

// Live reports how many handles are taken and not yet released.
func Live() int64 {
	freed := handlesFreed.v.Load() // first: a release is never counted before its take
	return handlesTaken.v.Load() - freed
}

// New registers v and returns its handle.
func New(v any) Handle {
	i := takeSlot()
	slotAt(i).v = v
	handlesTaken.v.Add(1)
	return Handle(i + 1) // 0 is never a valid handle
}

func takeSlot() uint32 {
	for {
		old := handleFree.v.Load()
		top := uint32(old)
		if top == 0 {
			chain := handleReleased.v.Swap(0)
			if chain == 0 {
				return newSlot()
			}
			// Keep the chain's first slot, make the rest the free stack (if nobody refilled it meanwhile).
			rest := slotAt(chain - 1).next.Load()
			if rest != 0 && !handleFree.v.CompareAndSwap(old, (old>>32+1)<<32|uint64(rest)) {
				pushChain(rest)
			}
			return chain - 1
		}
		next := slotAt(top - 1).next.Load()
		if handleFree.v.CompareAndSwap(old, (old>>32+1)<<32|uint64(next)) {
			return top - 1
		}
	}
}

// pushChain puts a chain of free slots (linked through next, starting at index+1 first) back on the released stack.
func pushChain(first uint32) {
	last := first
	for n := slotAt(last - 1).next.Load(); n != 0; n = slotAt(last - 1).next.Load() {
		last = n
	}
	for {
		old := handleReleased.v.Load()
		slotAt(last - 1).next.Store(old)
		if handleReleased.v.CompareAndSwap(old, first) {
			return
		}
	}
}

// newSlot takes a never-used slot, allocating its chunk if nobody has yet.
func newSlot() uint32 {
	i := handleNext.v.Add(1) - 1
	c := i >> handleChunkBits
	if c >= handleMaxChunks {
		panic("coro: too many live handles")
	}
	if handleChunks[c].Load() == nil {
		handleChunks[c].CompareAndSwap(nil, new([handleChunk]handleSlot))
	}
	return i
}

func slotAt(i uint32) *handleSlot {
	return &handleChunks[i>>handleChunkBits].Load()[i&(handleChunk-1)]
}

func (h Handle) slot() *handleSlot { return slotAt(uint32(h - 1)) }

// Value returns the value behind a live handle.
func (h Handle) Value() any { return h.slot().v }

// Release returns the value behind h and frees h; each handle is released exactly once.
func Release(h Handle) any {
	s := h.slot()
	v := s.v
	s.v = nil
	handlesFreed.v.Add(1)
	for {
		old := handleReleased.v.Load()
		s.next.Store(old)
		if handleReleased.v.CompareAndSwap(old, uint32(h)) {
			return v
		}
	}
}
