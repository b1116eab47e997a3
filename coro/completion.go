package coro

/*
#include "cshim/completion.h"
#include "cshim/task.h"
*/
import "C"

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// completer is what a completion handle refers to: someone waiting for C++ to finish something.
type completer interface {
	complete(result int64)
}

// delivererOnce starts the goroutine that delivers completions posted by C++ threads. It takes them in batches (one
// crossing per batch, not one callback each) and, when there are none, keeps looking for completionSpin before it
// waits for the queue's eventfd through Go's netpoller: idle, it holds no thread, and Go's scheduler wakes it like
// any goroutine waiting for I/O.
var delivererOnce sync.Once

func startDeliverer() {
	delivererOnce.Do(func() {
		d := &completionDeliverer{
			buf:    (*[completionBatch]C.gocoro_completion)(C.malloc(C.sizeof_gocoro_completion * completionBatch)),
			posted: (*uint32)(unsafe.Pointer(C.gocoro_completion_posted())),
		}
		if fd := int(C.gocoro_completion_fd()); fd >= 0 {
			d.wake = os.NewFile(uintptr(fd), "gocoro-completions")
		}
		go d.run()
	})
}

const completionBatch = 256

// completionPoll is how often a deliverer without an eventfd (eventfd failed at start-up) looks for completions.
const completionPoll = 100 * time.Microsecond

// completionDeliverer is the state of the delivering goroutine, kept outside it so that a successor can take over
// the batch.
type completionDeliverer struct {
	buf     *[completionBatch]C.gocoro_completion
	next, n int      // buf[next:n] is still to be delivered
	posted  *uint32  // the queue's "may be non-empty" word (C memory): polled without a crossing
	wake    *os.File // the queue's eventfd, read through the netpoller (nil: poll every completionPoll)
	counter [8]byte
}

func (d *completionDeliverer) run() {
	// A callback that calls runtime.Goexit ends this goroutine whatever it recovers: hand the rest of the batch and
	// the queue to a new one, so that the completions behind it still arrive.
	defer func() { go d.run() }()
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
		d.next, d.n = 0, int(C.gocoro_completion_take(&d.buf[0], completionBatch))
		if d.n == 0 && !d.spin() {
			d.idle()
		}
	}
}

// completionSpin is how long an idle deliverer keeps looking before it sleeps. Waking it through the eventfd costs
// the poster an eventfd write and the runtime a netpoller wake-up (tens of microseconds on a VM), so a body that
// awaits one thing at a time paid that on every await: BenchmarkTaskAwaitLoop/NewGoroutineTask went from 28-46 us
// to 6-11 us per await with the spin (the C++ pool's workers spin about as long before they sleep, for the same
// reason).
const completionSpin = 50 * time.Microsecond

// spin looks for completions for up to completionSpin, yielding to other goroutines in between; true when some came.
func (d *completionDeliverer) spin() bool {
	start := time.Now()
	for i := 1; ; i++ {
		runtime.Gosched()
		if i%4 == 0 {
			// Now and then let other threads have this CPU: under a real-time policy nothing preempts a spinning
			// thread, and the executor thread about to post may be queued behind this one.
			unix.RawSyscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
		}
		if atomic.LoadUint32(d.posted) != 0 {
			if d.n = int(C.gocoro_completion_take(&d.buf[0], completionBatch)); d.n != 0 {
				return true
			}
		}
		if i%8 == 0 && time.Since(start) > completionSpin {
			return false
		}
	}
}

// idle waits until something may have been posted.
func (d *completionDeliverer) idle() {
	if C.gocoro_completion_sleep() == 0 {
		return // posted meanwhile
	}
	if d.wake == nil {
		time.Sleep(completionPoll)
		return
	}
	// Reading resets the counter. It fails only if the descriptor is closed, which nothing does.
	_, _ = d.wake.Read(d.counter[:])
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
