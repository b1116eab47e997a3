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
// The event's state lives in Go (one atomic word); the C++ event exists only for task bodies awaiting natively, and
// is made when the first one does. So while no task body awaits, NewEvent, Set, Reset, IsSet, Wait and Close make
// no cgo call: a cgo call costs about 2 µs when it is the first after an idle period, which made waking one
// goroutine slower than closing a channel. Goroutines blocked in Wait never enter the C++ event: they wait on a Go
// channel per generation, which the Set that follows closes. A Wait that starts after a Set (and a Reset)
// therefore never sees an earlier Set, and cancelling a Wait leaves nothing behind.
type Event struct {
	// What Set and Wait touch comes first, in one cache line: after an idle period every line is a cache miss.
	state atomic.Uint64            // eventMade | eventSet | eventNativeSet | eventClosed | bodies × eventAwaiter
	gen   atomic.Pointer[eventGen] // what goroutines blocked in Wait wait on; nil while none waits
	c     unsafe.Pointer           // *C.gocoro_event (atomic: see loadC), made under mu by the first body that awaits

	// mu makes every transition of state that involves the C++ event (making it, setting it, resetting it, Close)
	// one step with the cgo call: see the invariant at eventNativeSet. Held across those cgo calls, which run no
	// Go code: task bodies resumed inside them are returned as steps (cshim/event.h), run after mu is released.
	mu   sync.Mutex
	life lifetime // held by every Await from before it counts itself until it resumes; the last one after Close frees c
}

const (
	// eventMade: made by NewEvent (clear in the zero Event).
	eventMade uint64 = 1 << iota
	// eventSet: the event is set (what IsSet, Wait and Await read).
	eventSet
	// eventNativeSet: the C++ event was set too, by a Set that found task bodies awaiting. Invariant, outside mu: the
	// C++ event is set only if eventSet|eventNativeSet are; so a body that finds eventSet clear and counts itself,
	// then awaits the C++ event, suspends until the next Set, which sees it counted and sets the C++ event.
	eventNativeSet
	// eventClosed: Close was called.
	eventClosed
	// eventAwaiter is one task body in Await past its check of eventSet (registering with the C++ event,
	// suspended, or resumed and not yet returned): while any is counted, Set sets the C++ event too.
	eventAwaiter
)

// eventGen is one generation of goroutines blocked in Wait. Wait registers it in Event.gen and then checks that the
// event is still unset and open; Set and Close change the state first and then take gen (Swap), so the first Set or
// Close after a registration releases it.
type eventGen struct {
	ch     chan struct{}
	closed bool // the event was closed rather than set; written before ch is closed
}

// NewEvent makes an event, already set if initiallySet.
func NewEvent(initiallySet bool) *Event {
	e := &Event{}
	s := eventMade
	if initiallySet {
		s |= eventSet
	}
	e.state.Store(s)
	e.life.Init(func() {
		if c := e.loadC(); c != nil {
			C.gocoro_event_destroy(c)
		}
	})
	return e
}

func eventErr(op string, err error) error { return &opError{Op: op, Obj: "event", Err: err} }

// IsSet reports whether the event is set (false after Close and for the zero Event).
func (e *Event) IsSet() bool {
	return e.state.Load()&(eventSet|eventClosed) == eventSet
}

// Set sets the event and resumes every waiter. Native waiters (task bodies awaiting it) run inline on the calling
// thread before Set returns, in the given order; goroutines blocked in Wait are woken. Setting a set event does
// nothing.
func (e *Event) Set(order ResumeOrder) error {
	// Guess the common state (unset, open, no body awaiting): one read-modify-write takes the cache line in
	// exclusive state at once, where a load first would fetch it shared from the waiter's core and then again.
	if e.state.CompareAndSwap(eventMade, eventMade|eventSet) {
		e.releaseGen(false)
		return nil
	}
	for {
		s := e.state.Load()
		switch {
		case s&eventMade == 0:
			return eventErr("set", ErrInvalid)
		case s&eventClosed != 0:
			return eventErr("set", ErrClosed)
		case s&eventSet != 0:
			return nil
		case s >= eventAwaiter:
			return e.setNative(nil, order)
		case e.state.CompareAndSwap(s, s|eventSet):
			e.releaseGen(false)
			return nil
		}
	}
}

// SetOn is Set, but the resumed task bodies are handed to ex (ex.resume()) and run on its threads instead of the
// calling thread.
func (e *Event) SetOn(ex Executor, order ResumeOrder) error {
	s := e.state.Load()
	if s&eventMade == 0 {
		return eventErr("set", ErrInvalid)
	}
	if s&eventClosed != 0 {
		return eventErr("set", ErrClosed)
	}
	if !validExecutor(ex) {
		return eventErr("set", ErrInvalid)
	}
	return e.setNative(ex, order)
}

// setNative sets the event and the C++ event (resuming its waiters on ex, or inline when ex is nil), then wakes
// the goroutines and runs the task bodies resumed inline.
func (e *Event) setNative(ex Executor, order ResumeOrder) error {
	var steps *C.gocoro_step
	var marked, closed bool
	mark := func() bool {
		marked, closed = e.markNativeSet()
		return marked
	}
	running := true
	e.mu.Lock()
	if ex == nil {
		if mark() {
			steps = C.gocoro_event_set(e.cxx(), C.int(order))
		}
	} else {
		running = onExecutor(ex, func(tp *C.gocoro_thread_pool) {
			if mark() {
				steps = C.gocoro_event_set_on(e.cxx(), tp, C.int(order))
			}
		}, func(s *C.gocoro_io_scheduler) {
			if mark() {
				steps = C.gocoro_event_set_on_io(e.cxx(), s, C.int(order))
			}
		})
	}
	e.mu.Unlock()
	if closed || !running {
		return eventErr("set", ErrClosed)
	}
	if marked {
		e.releaseGen(false)
	}
	runSteps(steps)
	return nil
}

// markNativeSet, under mu, sets eventSet|eventNativeSet; false if the event was already set, or closed (closed
// true). The caller then sets the C++ event before releasing mu.
func (e *Event) markNativeSet() (marked, closed bool) {
	for {
		s := e.state.Load()
		if s&eventClosed != 0 {
			return false, true
		}
		if s&eventSet != 0 {
			return false, false
		}
		if e.state.CompareAndSwap(s, s|eventSet|eventNativeSet) {
			return true, false
		}
	}
}

// cxx, under mu and while the event is open, returns the C++ event, making it (unset) at the first need.
func (e *Event) cxx() *C.gocoro_event {
	c := e.loadC()
	if c == nil {
		if c = C.gocoro_event_create(0); c == nil {
			panic("coro: out of memory")
		}
		atomic.StorePointer(&e.c, unsafe.Pointer(c))
	}
	return c
}

// loadC returns the C++ event, nil until made.
func (e *Event) loadC() *C.gocoro_event { return (*C.gocoro_event)(atomic.LoadPointer(&e.c)) }

// releaseGen wakes the goroutines blocked in Wait, once the state says set or closed.
func (e *Event) releaseGen(closed bool) {
	if e.gen.Load() == nil {
		return
	}
	if g := e.gen.Swap(nil); g != nil {
		if closed { // written only then: the woken goroutines read the line, better not dirty it from here
			g.closed = true
		}
		close(g.ch)
	}
}

// Reset makes a set event unset again; it does nothing to an unset event.
func (e *Event) Reset() error {
	locked := false
	defer func() {
		if locked {
			e.mu.Unlock()
		}
	}()
	for {
		s := e.state.Load()
		switch {
		case s&eventMade == 0:
			return eventErr("reset", ErrInvalid)
		case s&eventClosed != 0:
			// Checked under mu when the C++ event is involved, against Close: resetting it after Close's set
			// would leave a body that counted itself before Close suspended on an event nobody sets any more.
			return eventErr("reset", ErrClosed)
		case s&eventSet == 0:
			return nil
		case s&eventNativeSet != 0 && !locked:
			e.mu.Lock()
			locked = true
		case s&eventNativeSet != 0:
			// The C++ event first, then the state: a body counting itself meanwhile either still finds eventSet
			// (and does not reach the C++ event) or finds both unset. Under mu only the count of bodies changes.
			C.gocoro_event_reset(e.loadC())
			e.state.And(^(eventSet | eventNativeSet))
			return nil
		case e.state.CompareAndSwap(s, s&^eventSet):
			return nil
		}
	}
}

// Wait blocks the calling goroutine until the event is set or ctx ends. A Set that happens while Wait blocks
// releases it; one that completed before Wait started counts only if no Reset followed. Cancelling leaves nothing
// behind.
func (e *Event) Wait(ctx context.Context) error {
	var g *eventGen
	for {
		s := e.state.Load()
		if s&eventMade == 0 {
			return eventErr("wait", ErrInvalid)
		}
		if s&eventClosed != 0 {
			return eventErr("wait", ErrClosed)
		}
		if s&eventSet != 0 {
			return nil
		}
		if g != nil {
			// Registered before this check found the event unset: the Set or Close to come releases g.
			break
		}
		if g = e.gen.Load(); g == nil {
			g = &eventGen{ch: make(chan struct{})}
			if !e.gen.CompareAndSwap(nil, g) {
				g = nil // another Wait registered one first (or a Set took it at once): look again
			}
		}
	}
	if done := ctx.Done(); done == nil {
		<-g.ch // a context that never ends (Background): a plain receive wakes faster than a select
	} else {
		select {
		case <-g.ch:
		case <-done:
			select {
			case <-g.ch: // set in the same instant: report the set, it happened
			default:
				return ctx.Err()
			}
		}
	}
	if g.closed {
		return eventErr("wait", ErrClosed)
	}
	return nil
}

// Await suspends the task body until the event is set (co_await event); a set event returns at once.
func (e *Event) Await(t *T) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := e.life.ref(); err != nil {
		return eventErr("wait", err)
	}
	// The reference is held until the body resumes: Close sets the C++ event, which resumes it (or lets it through
	// if it gets there afterwards), before the C++ event can be freed.
	defer e.life.Exit()
	for {
		s := e.state.Load()
		if s&eventClosed != 0 {
			return eventErr("wait", ErrClosed)
		}
		if s&eventSet != 0 {
			return nil
		}
		if e.state.CompareAndSwap(s, s+eventAwaiter) {
			break
		}
	}
	defer e.state.Add(^(eventAwaiter - 1)) // minus one body
	c := e.loadC()
	if c == nil {
		e.mu.Lock()
		if e.state.Load()&eventClosed != 0 {
			e.mu.Unlock()
			return eventErr("wait", ErrClosed)
		}
		c = e.cxx()
		e.mu.Unlock()
	}
	t.await(request{kind: C.GOCORO_OP_EVENT, target: unsafe.Pointer(c)})
	if e.state.Load()&eventClosed != 0 {
		return eventErr("wait", ErrClosed)
	}
	return nil
}

// Close releases every waiter (they get ErrClosed; task bodies resume inline on the calling thread) and frees the
// event once no call is using it any more. Later operations fail with ErrClosed; later Close calls do nothing.
func (e *Event) Close() error {
	if e.state.Load()&eventMade == 0 {
		return eventErr("close", ErrInvalid)
	}
	e.mu.Lock()
	if e.state.Or(eventClosed)&eventClosed != 0 {
		e.mu.Unlock()
		return nil
	}
	// Setting resumes the suspended bodies, which see the event closed and drop their references; a body counted
	// but not suspended yet finds the C++ event set.
	var steps *C.gocoro_step
	if c := e.loadC(); c != nil {
		steps = C.gocoro_event_set(c, 0)
	}
	e.mu.Unlock()
	e.releaseGen(true)
	e.life.Close()
	runSteps(steps)
	return nil
}
