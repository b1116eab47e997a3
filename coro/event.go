package coro

/*
#include "cshim/event.h"
#include "cshim/io_scheduler.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"sync"
	"unsafe"
)

// ResumeOrder is the order in which Event.Set resumes waiters (coro::resume_order_policy).
type ResumeOrder int

const (
	// LIFO resumes the most recent waiter first (libcoro's default).
	LIFO ResumeOrder = iota
	// FIFO resumes waiters in the order they started waiting.
	FIFO
)

// Event is a manual-reset event (coro::event): any number of tasks and goroutines wait for it; Set releases
// them all. Safe for concurrent use.
//
// The zero value is not usable; make one with NewEvent. Every method of a zero Event fails with an error matching
// ErrInvalid (IsSet reports false).
//
// Goroutines blocked in Wait never enter the C++ event: they wait on a Go channel per generation, which the Set
// that follows closes once the C++ event is set. A Wait that starts after a Set (and a Reset) therefore never sees
// an earlier Set, and cancelling a Wait leaves nothing behind.
type Event struct {
	c    *C.gocoro_event
	life lifetime // one reference per cgo call and per suspended task body; the last one after Close frees c

	mu     sync.Mutex // guards gen, closed; never held across a cgo call that may resume task bodies
	closed bool
	gen    *eventGen // what goroutines blocked in Wait wait on; nil while none waits
}

type eventGen struct {
	ch     chan struct{}
	closed bool // the event was closed rather than set; written before ch is closed
}

// NewEvent makes an event, already set if initiallySet.
func NewEvent(initiallySet bool) *Event {
	flag := C.int(0)
	if initiallySet {
		flag = 1
	}
	e := &Event{c: C.gocoro_event_create(flag)}
	if e.c == nil {
		panic("coro: out of memory")
	}
	c := e.c
	e.life.Init(func() { C.gocoro_event_destroy(c) })
	return e
}

func eventErr(op string, err error) error { return &opError{Op: op, Obj: "event", Err: err} }

// IsSet reports whether the event is set (false after Close and for the zero Event).
func (e *Event) IsSet() bool {
	if !e.life.Valid() || !e.life.Enter() {
		return false
	}
	defer e.life.Exit()
	return C.gocoro_event_is_set(e.c) != 0
}

// Set sets the event and resumes every waiter. Native waiters (task bodies awaiting it) run inline on the calling
// thread before Set returns, in the given order; goroutines blocked in Wait are woken. Setting a set event does
// nothing.
func (e *Event) Set(order ResumeOrder) error {
	if err := e.life.ref(); err != nil {
		return eventErr("set", err)
	}
	steps := C.gocoro_event_set(e.c, C.int(order))
	e.life.Exit()
	e.wake(false)
	runSteps(steps)
	return nil
}

// SetOn is Set, but the resumed task bodies are handed to ex (ex.resume()) and run on its threads instead of the
// calling thread.
func (e *Event) SetOn(ex Executor, order ResumeOrder) error {
	if err := e.life.ref(); err != nil {
		return eventErr("set", err)
	}
	defer e.life.Exit()
	if !validExecutor(ex) {
		return eventErr("set", ErrInvalid)
	}
	var steps *C.gocoro_step
	if !onExecutor(ex, func(tp *C.gocoro_thread_pool) { steps = C.gocoro_event_set_on(e.c, tp, C.int(order)) },
		func(s *C.gocoro_io_scheduler) { steps = C.gocoro_event_set_on_io(e.c, s, C.int(order)) }) {
		return eventErr("set", ErrClosed)
	}
	e.wake(false)
	runSteps(steps)
	return nil
}

// wake releases the goroutines blocked in Wait. Called after the C++ event was set (or on Close): a Wait that
// registered its generation found the event unset under mu, so it did so before that set and is released here.
func (e *Event) wake(closed bool) {
	e.mu.Lock()
	g := e.gen
	e.gen = nil
	e.mu.Unlock()
	if g != nil {
		g.closed = closed
		close(g.ch)
	}
}

// Reset makes a set event unset again; it does nothing to an unset event.
func (e *Event) Reset() error {
	if err := e.life.ref(); err != nil {
		return eventErr("reset", err)
	}
	defer e.life.Exit()
	// Under mu, against Close: a Reset that took its reference before Close but reset after Close's Set would
	// leave a task body that awaits afterwards suspended on an event nobody sets any more.
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return eventErr("reset", ErrClosed)
	}
	C.gocoro_event_reset(e.c)
	return nil
}

// Wait blocks the calling goroutine until the event is set or ctx ends. A Set that happens while Wait blocks
// releases it; one that completed before Wait started counts only if no Reset followed. Cancelling leaves nothing
// behind.
func (e *Event) Wait(ctx context.Context) error {
	if err := e.life.ref(); err != nil {
		return eventErr("wait", err)
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		e.life.Exit()
		return eventErr("wait", ErrClosed)
	}
	if C.gocoro_event_is_set(e.c) != 0 {
		e.mu.Unlock()
		e.life.Exit()
		return nil
	}
	g := e.gen
	if g == nil {
		g = &eventGen{ch: make(chan struct{})}
		e.gen = g
	}
	e.mu.Unlock()
	e.life.Exit()

	select {
	case <-g.ch:
	case <-ctx.Done():
		select {
		case <-g.ch: // set in the same instant: report the set, it happened
		default:
			return ctx.Err()
		}
	}
	if g.closed {
		return eventErr("wait", ErrClosed)
	}
	return nil
}

// Await suspends the task body until the event is set (co_await event).
func (e *Event) Await(t *T) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := e.life.ref(); err != nil {
		return eventErr("wait", err)
	}
	// The suspended body keeps its reference: Close sets the event, which resumes it, before the C++ event can
	// be freed.
	t.await(request{kind: C.GOCORO_OP_EVENT, target: unsafe.Pointer(e.c)})
	e.life.Exit()
	if e.isClosed() {
		return eventErr("wait", ErrClosed)
	}
	return nil
}

func (e *Event) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// Close releases every waiter (they get ErrClosed; task bodies resume inline on the calling thread) and frees the
// event once no call is using it any more. Later operations fail with ErrClosed; later Close calls do nothing.
func (e *Event) Close() error {
	if !e.life.Valid() {
		return eventErr("close", ErrInvalid)
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.wake(true)
	if e.life.Enter() {
		// Setting resumes the native waiters, which see the event closed and drop their references.
		steps := C.gocoro_event_set(e.c, 0)
		e.life.Close()
		e.life.Exit()
		runSteps(steps)
	}
	return nil
}
