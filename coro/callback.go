package coro

/*
#include "cshim/callback.h"

extern void gocoroRun(uintptr_t handle);
extern void gocoroThreadEvent(uintptr_t handle, size_t index, int started);
extern void gocoroStep(uintptr_t handle, struct gocoro_op* op);
*/
import "C"

func init() {
	C.gocoro_install_callbacks(C.gocoro_run_fn(C.gocoroRun), C.gocoro_thread_event_fn(C.gocoroThreadEvent),
		C.gocoro_step_fn(C.gocoroStep))
}

// runner is what a run handle refers to: work to do once on an executor thread.
type runner interface{ run() }

//export gocoroRun
func gocoroRun(h C.uintptr_t) {
	r := releaseHandle(handle(h)).(runner)
	if d, ok := r.(drainer); ok {
		d.p.runq.spawned.Add(-1) // once per activation: after a Goexit the loop below runs the same drainer again
	}
	for runGuest(r.run) {
		// runtime.Goexit in a function r ran: that function's own defers reported it. A drainer goes on with the
		// rest of its queue; anything else is over.
		if _, ok := r.(drainer); !ok {
			return
		}
	}
}

//export gocoroThreadEvent
func gocoroThreadEvent(h C.uintptr_t, index C.size_t, started C.int) {
	hooks := handle(h).Value().(*threadHooks)
	fn := hooks.stop
	if started != 0 {
		fn = hooks.start
	}
	if fn != nil {
		// A panicking hook must not take the executor thread down with it. A hook runs right here, not on a guest
		// goroutine (guest.go): its point is to run on the worker thread itself. So runtime.Goexit in it still
		// aborts the process.
		defer func() { _ = recover() }()
		fn(int(index))
	}
}

// threadHooks holds the per-thread callbacks of an executor.
type threadHooks struct {
	start, stop func(index int)
}
