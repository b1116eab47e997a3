package corelink

// Package coro's handle table (counted by coro.LiveHandles), for the module's other cgo packages whose C++ code
// holds Go values on their behalf (e.g. net/server's per-connection Go state). coro fills these in at init.
var (
	// NewHandle registers v and returns its non-zero handle.
	NewHandle func(v any) uintptr
	// HandleValue returns the value behind a live handle.
	HandleValue func(h uintptr) any
	// ReleaseHandle returns the value behind h and frees h; call it exactly once per handle.
	ReleaseHandle func(h uintptr) any
)
