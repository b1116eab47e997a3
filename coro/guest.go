package coro

// #include "cshim/callback.h"
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Go code that C++ calls on one of its threads (Schedule and Spawn functions, NewFunc bodies and Join's combine
// run in a step, thread hooks) runs inside a cgo callback, on the goroutine the Go runtime binds to that thread for
// the callback. runtime.Goexit there (t.FailNow, testify's require) cannot be stopped, and the runtime aborts the
// process when such a goroutine exits. So that code runs on a guest goroutine instead, while the callback waits for
// it: the executor thread stays occupied exactly as long as before, and a Goexit only ends the guest.
//
// The guest is locked to its OS thread and marks it as the waiting thread's executor for the call, so that a Close
// made from the guest is recognised as made from one of the executor's own threads (which Close cannot wait for).

// guestDone carries a guest's outcome to the waiting callback: true if the guest ended by runtime.Goexit.
var guestDone = sync.Pool{New: func() any { return make(chan bool, 1) }}

// runGuest runs fn on a guest goroutine on behalf of the calling executor thread and waits for it; it reports
// whether fn ended by runtime.Goexit. fn's panics are fn's own to recover.
func runGuest(fn func()) (goexited bool) {
	done := guestDone.Get().(chan bool)
	go guest(C.gocoro_owning_executor(), fn, done)
	goexited = <-done
	guestDone.Put(done)
	return goexited
}

func guest(owner unsafe.Pointer, fn func(), done chan<- bool) {
	runtime.LockOSThread()
	previous := C.gocoro_set_owning_executor(owner)
	returned := false
	defer func() {
		C.gocoro_set_owning_executor(previous)
		runtime.UnlockOSThread()
		done <- !returned
	}()
	fn()
	returned = true
}
