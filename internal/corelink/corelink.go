// Package corelink is package coro's internal API for the module's other cgo packages (net/...): what they need of
// coro's runtime (its handle table, its completion queue, an IOScheduler's native object and Close hooks) without
// widening coro's public API. coro provides it once, at init (Register); these functions call it. The values
// crossing here are coro's handles and the shim's opaque C pointers (e.g. gocoro_io_scheduler*), meant only to be
// passed back into C.
package corelink

import "unsafe"

// Core is coro's implementation of this API. The scheduler arguments are *coro.IOScheduler: coro imports this
// package to register itself, so this package cannot name coro's types.
type Core struct {
	NewHandle          func(v any) uintptr
	HandleValue        func(h uintptr) any
	ReleaseHandle      func(h uintptr) any
	NewCompletion      func(done func(result int64)) uintptr
	DiscardCompletion  func(h uintptr)
	AcquireIOScheduler func(s any) (ptr unsafe.Pointer, release func(), err error)
	OnIOSchedulerClose func(s any, fn func()) (unregister func(), err error)
}

var core Core

// Register installs coro's implementation; coro calls it from its init, before any other package can run.
func Register(c Core) { core = c }

// NewHandle registers v in coro's handle table (counted by coro.LiveHandles), for C++ code that holds Go values on
// a package's behalf (e.g. net/server's per-connection state), and returns its non-zero handle.
func NewHandle(v any) uintptr { return core.NewHandle(v) }

// HandleValue returns the value behind a live handle.
func HandleValue(h uintptr) any { return core.HandleValue(h) }

// ReleaseHandle returns the value behind h and frees h; call it exactly once per handle.
func ReleaseHandle(h uintptr) any { return core.ReleaseHandle(h) }

// NewCompletion returns a handle for C++ code to complete exactly once with gocoro_completion_post(handle, result)
// (cshim/completion.h). done then runs with result on coro's completion goroutine, so it must be quick and must
// not block (hand the result on through a buffered channel, say); a panic in it is recovered and dropped. The
// handle counts in coro.LiveHandles until it is posted; if it never will be (the C call meant to take it failed),
// give it back with DiscardCompletion.
func NewCompletion(done func(result int64)) uintptr { return core.NewCompletion(done) }

// DiscardCompletion releases a handle from NewCompletion that C++ never took; its function is not called.
func DiscardCompletion(h uintptr) { core.DiscardCompletion(h) }

// AcquireIOScheduler returns the gocoro_io_scheduler* of s (a *coro.IOScheduler) and a release function that must
// be called exactly once. Until then the scheduler's Close waits (after running its OnIOSchedulerClose hooks), so
// the pointer stays valid. Fails if s is closed.
func AcquireIOScheduler(s any) (ptr unsafe.Pointer, release func(), err error) {
	return core.AcquireIOScheduler(s)
}

// OnIOSchedulerClose registers fn to run at the start of s's Close (s a *coro.IOScheduler), before the scheduler
// shuts down: owners of long-running native work (servers, sockets, resolvers) stop it there. The returned function
// unregisters fn. Fails if s is closed.
func OnIOSchedulerClose(s any, fn func()) (unregister func(), err error) {
	return core.OnIOSchedulerClose(s, fn)
}
