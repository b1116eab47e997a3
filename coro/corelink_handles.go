package coro

import "github.com/gocoro/gocoro/internal/corelink"

// Lends the handle table to the module's net packages, so that their handles count in LiveHandles too.
func init() {
	corelink.NewHandle = func(v any) uintptr { return uintptr(newHandle(v)) }
	corelink.HandleValue = func(h uintptr) any { return handle(h).Value() }
	corelink.ReleaseHandle = func(h uintptr) any { return releaseHandle(handle(h)) }
}
