package coro

/*
#include "cshim/completion.h"
#include "cshim/task.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// completer is what a completion handle refers to: someone waiting for C++ to finish something.
type completer interface {
	complete(result int64)
}

// delivererOnce starts the goroutine that delivers completions posted by C++ threads. It blocks in C (holding one OS
// thread, no P) until a batch is ready, so a completion costs one crossing per batch, not one callback each.
var delivererOnce sync.Once

func startDeliverer() {
	delivererOnce.Do(func() {
		d := &completionDeliverer{buf: (*[completionBatch]C.gocoro_completion)(C.malloc(C.size_t(unsafe.Sizeof(C.gocoro_completion{})) * completionBatch))}
		go d.run()
	})
}

const completionBatch = 256

// completionDeliverer is the state of the delivering goroutine, kept outside it so that a successor can take over
// the batch.
type completionDeliverer struct {
	buf     *[completionBatch]C.gocoro_completion
	next, n int // buf[next:n] is still to be delivered
}

func (d *completionDeliverer) run() {
	// A callback that calls runtime.Goexit ends this goroutine whatever it recovers: hand the rest of the batch and
	// the queue to a new one, so that the completions behind it still arrive.
	exited := true
	defer func() {
		if exited {
			go d.run()
		}
	}()
	for {
		for d.next < d.n {
			c := &d.buf[d.next]
			d.next++
			if c.handle == C.GOCORO_STEP_COMPLETION {
				resumePosted(c) // a goroutine task body's await completed (no handle of its own)
				continue
			}
			deliver(releaseHandle(handle(c.handle)).(completer), int64(c.result))
		}
		if d.n > 0 {
			// The goroutines just readied sit in this P's run queue, and the next wait blocks in C while keeping
			// the P (a cgo call): they would wait there until sysmon retakes the P (tens of µs or more). Let them
			// run now.
			runtime.Gosched()
		}
		d.next, d.n = 0, int(C.gocoro_completion_wait(&d.buf[0], completionBatch))
		if d.n == 0 {
			exited = false
			return
		}
	}
}

// deliver runs one completion. A panic in it (a user's NotifyWhenReady callback, a net package's completion) is
// recovered and dropped, like one in a Spawn'ed function: this goroutine delivers every completion of the process,
// and the ones behind it must still arrive. Completers that can hand a panic on (task results) recover it themselves.
func deliver(c completer, result int64) {
	defer func() { _ = recover() }()
	c.complete(result)
}

// signal is a one-shot completer a goroutine can block on.
type signal struct {
	ch     chan struct{}
	result int64
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) complete(result int64) {
	s.result = result
	close(s.ch)
}

// handle registers s for one completion; C++ posts it exactly once.
func (s *signal) handle() C.uintptr_t {
	startDeliverer()
	return C.uintptr_t(newHandle(completer(s)))
}
