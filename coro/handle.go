package coro

import (
	"runtime/cgo"
	"sync/atomic"
)

// liveHandles counts cgo handles given to C++ and not yet released.
var liveHandles atomic.Int64

// LiveHandles reports how many Go values are currently referenced from C++ (through handles). It is 0
// whenever no task, callback or executor is outstanding; tests use it to prove nothing leaks.
func LiveHandles() int64 { return liveHandles.Load() }

func newHandle(v any) cgo.Handle {
	liveHandles.Add(1)
	return cgo.NewHandle(v)
}

// releaseHandle returns the value behind h and frees h; each handle is released exactly once.
func releaseHandle(h cgo.Handle) any {
	v := h.Value()
	h.Delete()
	liveHandles.Add(-1)
	return v
}
