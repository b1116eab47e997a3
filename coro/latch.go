package coro

/*
#include "cshim/io_scheduler.h"
#include "cshim/latch.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Latch is a single-use countdown (coro::latch): tasks and goroutines wait until CountDown has brought the
// counter to zero or below. Safe for concurrent use.
//
// Goroutines blocked in Wait are represented in the C++ latch by one native stand-in waiter (as for Event), so
// cancelling a Wait just removes the goroutine from a Go-side set.
//
// The zero value is not usable; make one with NewLatch. Every method of a zero Latch fails with an error matching
// ErrInvalid (IsReady reports false, Remaining 0).
type Latch struct {
	c       *C.gocoro_latch
	life    lifetime
	closing atomic.Bool

	mu      sync.Mutex // guards waiters, armed
	waiters map[*waiter]struct{}
	armed   bool
}

// waiter is a goroutine blocked on a primitive: granted (or failed with err) when ch is closed.
type waiter struct {
	ch      chan struct{}
	granted bool
	err     error
}

func newWaiter() *waiter { return &waiter{ch: make(chan struct{})} }

func (w *waiter) wake(err error) {
	w.err = err
	close(w.ch)
}

// NewLatch makes a latch that becomes ready after count units were counted down; count <= 0 starts ready.
func NewLatch(count int64) *Latch {
	l := &Latch{c: C.gocoro_latch_create(C.int64_t(count)), waiters: map[*waiter]struct{}{}}
	if l.c == nil {
		panic("coro: out of memory")
	}
	c := l.c
	l.life.Init(func() { C.gocoro_latch_destroy(c) })
	return l
}

func latchClosed(op string) error { return &opError{Op: op, Obj: "latch", Err: ErrClosed} }

func latchErr(op string, err error) error { return &opError{Op: op, Obj: "latch", Err: err} }

// IsReady reports whether the counter reached zero (false after Close).
func (l *Latch) IsReady() bool {
	if !l.life.Valid() || !l.life.Enter() {
		return false
	}
	defer l.life.Exit()
	return C.gocoro_latch_is_ready(l.c) != 0
}

// Remaining reports the counter. Counting down past zero makes it negative (libcoro's remaining() returns the
// same int64 converted to size_t, i.e. a huge value); it stops at math.MinInt64 instead of wrapping around. 0
// after Close.
func (l *Latch) Remaining() int64 {
	if !l.life.Valid() || !l.life.Enter() {
		return 0
	}
	defer l.life.Exit()
	return int64(C.gocoro_latch_remaining(l.c))
}

// CountDown subtracts n >= 0 (a negative n fails with ErrInvalid and changes nothing). The call that brings the
// counter to zero or below resumes every waiting task body inline on the calling thread (most recent first)
// before returning, and wakes every waiting goroutine.
func (l *Latch) CountDown(n int64) error {
	if err := l.life.ref(); err != nil {
		return latchErr("count_down", err)
	}
	var steps *C.gocoro_step
	rc := C.gocoro_latch_count_down(l.c, C.int64_t(n), &steps)
	l.life.Exit()
	runSteps(steps)
	if rc != C.GOCORO_OK {
		return latchErr("count_down", ErrInvalid)
	}
	return nil
}

// CountDownOn is CountDown, but waiting task bodies resume on ex's threads (ex.resume()) instead of the calling
// thread, as with Event.SetOn.
func (l *Latch) CountDownOn(ex Executor, n int64) error {
	if err := l.life.ref(); err != nil {
		return latchErr("count_down", err)
	}
	defer l.life.Exit()
	if !validExecutor(ex) {
		return latchErr("count_down", ErrInvalid)
	}
	var rc C.int
	var steps *C.gocoro_step
	if !onExecutor(ex, func(tp *C.gocoro_thread_pool) { rc = C.gocoro_latch_count_down_on(l.c, tp, C.int64_t(n), &steps) },
		func(s *C.gocoro_io_scheduler) { rc = C.gocoro_latch_count_down_on_io(l.c, s, C.int64_t(n), &steps) }) {
		return latchErr("count_down", ErrClosed)
	}
	runSteps(steps)
	if rc != C.GOCORO_OK {
		return latchErr("count_down", ErrInvalid)
	}
	return nil
}

// Wait blocks the calling goroutine until the latch is ready or ctx ends (then it returns ctx.Err() and the
// goroutine is no longer a waiter).
func (l *Latch) Wait(ctx context.Context) error {
	if err := l.life.ref(); err != nil {
		return latchErr("wait", err)
	}
	if C.gocoro_latch_is_ready(l.c) != 0 {
		l.life.Exit()
		return nil
	}
	l.mu.Lock()
	if l.closing.Load() {
		l.mu.Unlock()
		l.life.Exit()
		return latchClosed("wait")
	}
	w := newWaiter()
	l.waiters[w] = struct{}{}
	if l.armed {
		l.life.Exit()
	} else {
		// The stand-in keeps this call's reference until its completion.
		l.armed = true
		h := newHandle(completer((*latchStandIn)(l)))
		if C.gocoro_latch_wait_async(l.c, C.uintptr_t(h)) != 0 {
			releaseHandle(h)
			l.armed = false
			l.wakeLocked()
			l.life.Exit()
		} else {
			startDeliverer()
		}
	}
	l.mu.Unlock()

	select {
	case <-w.ch:
		return w.err
	case <-ctx.Done():
		l.mu.Lock()
		_, waiting := l.waiters[w]
		delete(l.waiters, w)
		l.mu.Unlock()
		if !waiting {
			<-w.ch
			return w.err // ready (or closed) in the same instant: report what happened
		}
		return ctx.Err()
	}
}

func (l *Latch) wakeLocked() {
	var err error
	if l.closing.Load() {
		err = latchClosed("wait")
	}
	for w := range l.waiters {
		w.wake(err)
	}
	clear(l.waiters)
}

// latchStandIn receives the completion of the native waiter that stands in for waiting goroutines.
type latchStandIn Latch

func (s *latchStandIn) complete(int64) {
	l := (*Latch)(s)
	l.mu.Lock()
	l.armed = false
	l.wakeLocked()
	l.mu.Unlock()
	l.life.Exit()
}

// Await suspends the task body until the latch is ready (co_await latch); a ready latch does not suspend.
func (l *Latch) Await(t *T) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := l.life.ref(); err != nil {
		return latchErr("wait", err)
	}
	t.await(request{kind: C.GOCORO_OP_LATCH, target: unsafe.Pointer(l.c)})
	l.life.Exit()
	if l.closing.Load() {
		return latchClosed("wait")
	}
	return nil
}

// Close releases every waiter (they get ErrClosed) and frees the latch once no call is using it. Later calls
// do nothing.
func (l *Latch) Close() error {
	if !l.life.Valid() {
		return latchErr("close", ErrInvalid)
	}
	l.mu.Lock()
	if l.closing.Load() {
		l.mu.Unlock()
		return nil
	}
	l.closing.Store(true)
	l.wakeLocked()
	l.mu.Unlock()
	if l.life.Enter() {
		// Completes the latch: native waiters resume (and see it closed), the stand-in posts its completion.
		steps := C.gocoro_latch_release_all(l.c)
		l.life.Close()
		l.life.Exit()
		runSteps(steps)
	}
	return nil
}
