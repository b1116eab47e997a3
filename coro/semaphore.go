package coro

/*
#include "cshim/semaphore.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

// ErrStopped is returned (possibly wrapped) by a Semaphore acquire after NotifyWaiters
// (acquire_result::semaphore_stopped) and by a RingBuffer operation that would have to wait after its
// NotifyWaiters (rb::produce_result / consume_result::ring_buffer_stopped).
var ErrStopped = errors.New("coro: stopped")

// ErrAtMax is returned (wrapped) by Release on a semaphore made with NewClampedSemaphore whose counter is already
// at Max: the unit is dropped, as libcoro v0.16's semaphore<max>::release() does silently.
var ErrAtMax = errors.New("coro: semaphore at its maximum")

// Semaphore is a counting semaphore (coro::semaphore) shared by task bodies and goroutines. Safe for concurrent
// use.
//
// Release hands its unit straight to the most recent waiting task body and resumes it inline on the releasing
// thread (LIFO, intentionally unfair, as libcoro); without waiters it increments the counter. A semaphore made
// with NewSemaphore never clamps the counter to Max (libcoro v0.14) but never lets it pass math.MaxInt64 either;
// one made with NewClampedSemaphore keeps it at most Max (libcoro v0.16). Goroutines blocked in Acquire queue in FIFO order on the
// Go side, represented in the C++ semaphore by one native stand-in waiter.
//
// The zero value is not usable; make one with NewSemaphore. Every method of a zero Semaphore fails with an error
// matching ErrInvalid (TryAcquire reports false, Value and Max 0).
type Semaphore struct {
	c       *C.gocoro_semaphore
	max     int64
	clamp   bool
	life    lifetime
	closing atomic.Bool
	stopped atomic.Bool

	mu    sync.Mutex // guards queue, armed
	queue []*waiter
	armed bool
}

// NewSemaphore makes a semaphore with the given maximum (at least 1) and starting value (at least 0, clamped to
// limit) whose Release is not clamped to the maximum (libcoro v0.14's semaphore). Other arguments fail with an
// error matching ErrInvalid.
func NewSemaphore(limit, initial int64) (*Semaphore, error) {
	return newSemaphore("NewSemaphore", limit, initial, false)
}

// NewClampedSemaphore is NewSemaphore for libcoro v0.16's semaphore<max>: Release never takes the counter past
// limit; a release that finds it at limit (and nobody waiting) drops its unit and fails with ErrAtMax. Use it
// where units can be released more often than acquired and Value must stay a bound.
func NewClampedSemaphore(limit, initial int64) (*Semaphore, error) {
	return newSemaphore("NewClampedSemaphore", limit, initial, true)
}

func newSemaphore(op string, limit, initial int64, clamp bool) (*Semaphore, error) {
	if limit < 1 {
		return nil, invalidArg(op, "limit must be >= 1, got %d", limit)
	}
	if initial < 0 {
		return nil, invalidArg(op, "initial must be >= 0, got %d", initial)
	}
	cclamp := C.int(0)
	if clamp {
		cclamp = 1
	}
	s := &Semaphore{c: C.gocoro_semaphore_create(C.int64_t(limit), C.int64_t(initial), cclamp), max: limit, clamp: clamp}
	if s.c == nil {
		panic("coro: out of memory")
	}
	c := s.c
	s.life.Init(func() { C.gocoro_semaphore_destroy(c) })
	return s, nil
}

func semErr(op string, err error) error { return &opError{Op: op, Obj: "semaphore", Err: err} }

// Max reports the maximum given to NewSemaphore or NewClampedSemaphore.
func (s *Semaphore) Max() int64 { return s.max }

// Value reports the units currently available (0 after Close).
func (s *Semaphore) Value() int64 {
	if !s.life.Valid() || !s.life.Enter() {
		return 0
	}
	defer s.life.Exit()
	return int64(C.gocoro_semaphore_value(s.c))
}

// TryAcquire takes one unit if one is available, without waiting (it does so even after NotifyWaiters, as
// libcoro's try_acquire). False after Close.
func (s *Semaphore) TryAcquire() bool {
	if !s.life.Valid() || !s.life.Enter() {
		return false
	}
	ok := C.gocoro_semaphore_try_acquire(s.c) != 0
	s.life.Exit()
	return ok
}

// Release gives back one unit: to the most recent waiting task body (resumed inline before Release returns) or
// to the oldest waiting goroutine, else to the counter. One cgo call. A release that would take the counter past
// its bound changes nothing and fails: with ErrAtMax past Max on a NewClampedSemaphore, with ErrInvalid past
// math.MaxInt64 otherwise.
func (s *Semaphore) Release() error {
	if err := s.life.ref(); err != nil {
		return semErr("release", err)
	}
	rc := s.release()
	s.life.Exit()
	if rc != C.GOCORO_OK {
		if s.clamp {
			return semErr("release", ErrAtMax)
		}
		return semErr("release", fmt.Errorf("%w: the counter is at its limit", ErrInvalid))
	}
	return nil
}

// Acquire blocks the calling goroutine until it takes a unit or ctx ends. It fails with ErrStopped after
// NotifyWaiters. On ctx.Err() no unit is held: a unit granted in the same instant is handed to the next waiting
// goroutine or released.
func (s *Semaphore) Acquire(ctx context.Context) error {
	if err := s.life.ref(); err != nil {
		return semErr("acquire", err)
	}
	if s.stopped.Load() {
		s.life.Exit()
		return semErr("acquire", ErrStopped)
	}
	if C.gocoro_semaphore_try_acquire(s.c) != 0 {
		s.life.Exit()
		return nil
	}
	s.mu.Lock()
	if err := s.failedLocked(); err != nil {
		s.mu.Unlock()
		s.life.Exit()
		return err
	}
	w := newWaiter()
	s.queue = append(s.queue, w)
	if s.armed {
		s.life.Exit()
	} else {
		s.armLocked()
	}
	s.mu.Unlock()

	select {
	case <-w.ch:
		return w.err
	case <-ctx.Done():
		s.mu.Lock()
		switch {
		case w.err != nil:
			s.mu.Unlock()
			return w.err
		case !w.granted:
			s.removeLocked(w)
			s.mu.Unlock()
		case s.grantLocked():
			s.mu.Unlock()
		default:
			s.mu.Unlock()
			_ = s.Release() // fails only once closed, when the unit no longer matters
		}
		return ctx.Err()
	}
}

func (s *Semaphore) failedLocked() error {
	if s.closing.Load() {
		return semErr("acquire", ErrClosed)
	}
	if s.stopped.Load() {
		return semErr("acquire", ErrStopped)
	}
	return nil
}

// armLocked queues the native stand-in; it owns one lifetime reference (the caller's).
func (s *Semaphore) armLocked() {
	s.armed = true
	startDeliverer()
	C.gocoro_semaphore_acquire_async(s.c, C.uintptr_t(newHandle(completer((*semaphoreStandIn)(s)))))
}

func (s *Semaphore) removeLocked(w *waiter) {
	for i, q := range s.queue {
		if q == w {
			s.queue = append(s.queue[:i], s.queue[i+1:]...)
			return
		}
	}
}

// grantLocked gives one unit the caller holds to the oldest goroutine waiter; false if there is none.
func (s *Semaphore) grantLocked() bool {
	if s.closing.Load() || len(s.queue) == 0 {
		return false
	}
	w := s.queue[0]
	s.queue[0] = nil
	s.queue = s.queue[1:]
	w.granted = true
	close(w.ch)
	if len(s.queue) > 0 && !s.armed && s.life.Enter() {
		s.armLocked()
	}
	return true
}

func (s *Semaphore) failAllLocked() {
	err := s.failedLocked()
	for _, w := range s.queue {
		w.wake(err)
	}
	s.queue = nil
}

// semaphoreStandIn receives the unit (or the stop) when the native stand-in's acquire completes.
type semaphoreStandIn Semaphore

func (p *semaphoreStandIn) complete(result int64) {
	s := (*Semaphore)(p)
	s.mu.Lock()
	s.armed = false
	if result == C.GOCORO_SEMAPHORE_STOPPED {
		s.stopped.Store(true)
		s.failAllLocked()
		s.mu.Unlock()
		s.life.Exit()
		return
	}
	granted := s.grantLocked()
	s.mu.Unlock()
	if granted {
		s.life.Exit()
		return
	}
	// Nobody wants it any more: give it back. Not on the completion goroutine: release may run a task body inline.
	go func() {
		s.release()
		s.life.Exit()
	}()
}

// release gives one unit back in C++ and runs the task bodies it resumes (see runSteps); GOCORO_EINVAL if the
// counter is at its limit.
func (s *Semaphore) release() C.int {
	var steps *C.gocoro_step
	rc := C.gocoro_semaphore_release(s.c, &steps)
	runSteps(steps)
	return rc
}

// AwaitAcquire suspends the task body until it takes a unit (co_await semaphore.acquire()); an available unit
// is taken without suspending. Fails with ErrStopped after NotifyWaiters.
func (s *Semaphore) AwaitAcquire(t *T) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := s.life.ref(); err != nil {
		return semErr("acquire", err)
	}
	res := t.await(request{kind: C.GOCORO_OP_SEMAPHORE_ACQUIRE, target: unsafe.Pointer(s.c)})
	if s.closing.Load() {
		if res == C.GOCORO_ACQUIRED {
			s.release()
		}
		s.life.Exit()
		return semErr("acquire", ErrClosed)
	}
	s.life.Exit()
	if res != C.GOCORO_ACQUIRED {
		return semErr("acquire", ErrStopped)
	}
	return nil
}

// NotifyWaiters stops the semaphore for good (notify_waiters): every waiting task body is resumed inline on the
// calling thread and every waiting goroutine is woken, all with ErrStopped, and every later Acquire/AwaitAcquire
// fails with ErrStopped even if units remain.
func (s *Semaphore) NotifyWaiters() error {
	if err := s.life.ref(); err != nil {
		return semErr("notify_waiters", err)
	}
	s.mu.Lock()
	s.stopped.Store(true)
	s.failAllLocked()
	s.mu.Unlock()
	runSteps(C.gocoro_semaphore_notify_waiters(s.c))
	s.life.Exit()
	return nil
}

// Close wakes every waiter with ErrClosed and frees the semaphore once no call is using it. Later operations
// fail with ErrClosed; later Close calls do nothing.
func (s *Semaphore) Close() error {
	if !s.life.Valid() {
		return semErr("close", ErrInvalid)
	}
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		return nil
	}
	s.closing.Store(true)
	s.failAllLocked()
	s.mu.Unlock()
	if s.life.Enter() {
		runSteps(C.gocoro_semaphore_notify_waiters(s.c)) // native waiters resume and see the semaphore closed
		s.life.Close()
		s.life.Exit()
	}
	return nil
}
