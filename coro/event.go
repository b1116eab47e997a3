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
	"sync/atomic"
	"time"
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
type Event struct {
	mu     sync.Mutex // guards gen, closed; never held across a blocking call
	c      *C.gocoro_event
	closed bool
	// gen is what goroutines blocked in Wait wait on; while it is not nil one native waiter stands in for all of
	// them in the C++ event, and its completion closes gen.ch — one channel close wakes them all, as in plain Go.
	gen *eventGen
	// inflight counts task awaits currently suspended in (or handed to) the C++ event.
	inflight atomic.Int64
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
	return &Event{c: C.gocoro_event_create(flag)}
}

// IsSet reports whether the event is set (false after Close).
func (e *Event) IsSet() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.closed && C.gocoro_event_is_set(e.c) != 0
}

// Set sets the event and resumes every waiter. Native waiters (task bodies awaiting it) run inline on the calling
// thread before Set returns, in the given order; goroutines blocked in Wait are woken. Setting a set event does
// nothing.
func (e *Event) Set(order ResumeOrder) error {
	c, err := e.live("set")
	if err != nil {
		return err
	}
	C.gocoro_event_set(c, C.int(order))
	return nil
}

// SetOn is Set, but the resumed task bodies are handed to ex (ex.resume()) and run on its threads instead of the
// calling thread.
func (e *Event) SetOn(ex Executor, order ResumeOrder) error {
	c, err := e.live("set")
	if err != nil {
		return err
	}
	switch x := ex.(type) {
	case *ThreadPool:
		x.mu.RLock()
		defer x.mu.RUnlock()
		if x.closed {
			return &opError{Op: "set", Obj: "event", Err: ErrClosed}
		}
		C.gocoro_event_set_on(c, x.tp, C.int(order))
	case *IOScheduler:
		x.mu.RLock()
		defer x.mu.RUnlock()
		if x.closed {
			return &opError{Op: "set", Obj: "event", Err: ErrClosed}
		}
		C.gocoro_event_set_on_io(c, x.s, C.int(order))
	default:
		return &opError{Op: "set", Obj: "event", Err: ErrInvalid}
	}
	return nil
}

// Reset makes a set event unset again; it does nothing to an unset event.
func (e *Event) Reset() error {
	c, err := e.live("reset")
	if err != nil {
		return err
	}
	C.gocoro_event_reset(c)
	return nil
}

func (e *Event) live(op string) (*C.gocoro_event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, &opError{Op: op, Obj: "event", Err: ErrClosed}
	}
	return e.c, nil
}

// Wait blocks the calling goroutine until the event is set or ctx ends. Cancelling removes the goroutine from
// the event's waiters.
func (e *Event) Wait(ctx context.Context) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return &opError{Op: "wait", Obj: "event", Err: ErrClosed}
	}
	if C.gocoro_event_is_set(e.c) != 0 {
		e.mu.Unlock()
		return nil
	}
	g := e.gen
	if g == nil {
		startDrainer()
		h := newHandle(completer((*eventProxy)(e)))
		if C.gocoro_event_wait_async(e.c, C.uintptr_t(h)) != 0 {
			// Set meanwhile.
			releaseHandle(h)
			e.mu.Unlock()
			return nil
		}
		g = &eventGen{ch: make(chan struct{})}
		e.gen = g
	}
	e.mu.Unlock()

	select {
	case <-g.ch:
	case <-ctx.Done():
		select {
		case <-g.ch: // set in the same instant: report the set, it happened
		default:
			// Nothing to remove: the native stand-in is shared and stays registered for the others (or the
			// next Wait) until the event is set or closed.
			return ctx.Err()
		}
	}
	if g.closed {
		return &opError{Op: "wait", Obj: "event", Err: ErrClosed}
	}
	return nil
}

// eventProxy receives the completion of the native waiter that stands in for waiting goroutines.
type eventProxy Event

func (p *eventProxy) complete(int64) {
	e := (*Event)(p)
	e.mu.Lock()
	defer e.mu.Unlock()
	if g := e.gen; g != nil {
		e.gen = nil
		g.closed = e.closed
		close(g.ch)
	}
}

// Await suspends the task body until the event is set (co_await event).
func (e *Event) Await(t *T) error {
	if err := t.check(); err != nil {
		return err
	}
	c, err := e.enter()
	if err != nil {
		return err
	}
	t.await(request{kind: C.GOCORO_OP_EVENT, target: unsafe.Pointer(c)})
	e.inflight.Add(-1)
	if e.isClosed() {
		return &opError{Op: "wait", Obj: "event", Err: ErrClosed}
	}
	return nil
}

func (e *Event) enter() (*C.gocoro_event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, &opError{Op: "wait", Obj: "event", Err: ErrClosed}
	}
	e.inflight.Add(1)
	return e.c, nil
}

func (e *Event) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// Close releases every waiter (they get ErrClosed) and frees the event. Later calls do nothing.
func (e *Event) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	// Setting resumes the native waiters (task bodies see the event closed) and the goroutines' stand-in.
	C.gocoro_event_set(e.c, 0)
	for e.inflight.Load() != 0 {
		time.Sleep(10 * time.Microsecond)
	}
	e.mu.Lock()
	for e.gen != nil { // the stand-in's completion is on its way through the drainer
		e.mu.Unlock()
		time.Sleep(10 * time.Microsecond)
		e.mu.Lock()
	}
	e.mu.Unlock()
	C.gocoro_event_destroy(e.c)
	return nil
}
