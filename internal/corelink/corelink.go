// Package corelink lets the module's other cgo packages (net/...) reach package coro's native objects without
// widening coro's public API: coro fills these hooks in at init. The values crossing here are the shim's opaque
// C pointers (e.g. gocoro_io_scheduler*), meant only to be passed back into C.
package corelink

import "unsafe"

var (
	// AcquireIOScheduler returns the gocoro_io_scheduler* of s (a *coro.IOScheduler) and a release function that
	// must be called exactly once. Until then the scheduler's Close waits (after running its OnClose hooks), so
	// the pointer stays valid. Fails if s is closed.
	AcquireIOScheduler func(s any) (ptr unsafe.Pointer, release func(), err error)

	// OnIOSchedulerClose registers fn to run at the start of s's Close, before the scheduler shuts down: owners of
	// long-running native work (servers) stop it there. The returned function unregisters fn. Fails if s is closed.
	OnIOSchedulerClose func(s any, fn func()) (unregister func(), err error)
)
