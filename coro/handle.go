//go:build cgo

package coro

import ht "github.com/gocoro/gocoro/internal/handle"

// handle is the number C++ holds for a Go value of this package's (a task, a callback, a waiter): an entry of the
// table in internal/handle, which the net packages' values share.
type handle = ht.Handle

func newHandle(v any) handle { return ht.New(v) }

// releaseHandle returns the value behind h and frees h; each handle is released exactly once.
func releaseHandle(h handle) any { return ht.Release(h) }

// LiveHandles reports how many Go values are currently referenced from C++ (through handles), the net packages'
// included. It is 0 whenever no task, callback or executor is outstanding; tests use it to prove nothing leaks.
func LiveHandles() int64 { return ht.Live() }
