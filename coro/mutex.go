package coro

/*
#include "cshim/mutex.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Mutex is a coroutine mutex (coro::mutex) shared by task bodies and goroutines. Safe for concurrent use; not
// recursive. Unlike sync.Mutex it is not tied to a goroutine: any goroutine or task body may unlock a lock
// another one took (a task body usually resumes on another thread anyway).
//
// Task bodies lock it natively with AwaitLock. Unlock hands the lock straight to a waiting task body and resumes
// it inline on the unlocking thread before returning (libcoro semantics; waiting task bodies are served in
// batches, most recent first). Goroutines blocked in Lock queue in FIFO order on the Go side, represented in the
// C++ mutex by one native stand-in waiter; the goroutine at the head gets the lock when the stand-in does.
//
// The zero value is not usable; make one with NewMutex. Every method of a zero Mutex fails with an error matching
// ErrInvalid (TryLock reports false).
type Mutex struct {
	c       *C.gocoro_mutex
	life    lifetime
	closing atomic.Bool
	locked  atomic.Bool // held by someone: catches Unlock of an unlocked mutex before it reaches C++

	mu    sync.Mutex // guards queue, armed
	queue []*waiter  // goroutines blocked in Lock, oldest first
	armed bool       // a native stand-in lock operation is queued (or its completion is on its way)
}

// NewMutex makes an unlocked mutex.
func NewMutex() *Mutex {
	m := &Mutex{c: C.gocoro_mutex_create()}
	if m.c == nil {
		panic("coro: out of memory")
	}
	c := m.c
	m.life.Init(func() { C.gocoro_mutex_destroy(c) })
	return m
}

func mutexErr(op string, err error) error { return &opError{Op: op, Obj: "mutex", Err: err} }

// TryLock takes the lock if it is free right now; the caller must later call Unlock. False after Close.
func (m *Mutex) TryLock() bool {
	if !m.life.Valid() || !m.life.Enter() {
		return false
	}
	if C.gocoro_mutex_try_lock(m.c) != 0 {
		m.locked.Store(true)
		return true // the reference stays with the hold until Unlock
	}
	m.life.Exit()
	return false
}

// Lock blocks the calling goroutine until it holds the lock or ctx ends. On ctx.Err() the goroutine does not
// hold the lock: if the lock was granted in the same instant it is handed on (to the next goroutine waiter, or
// released to the mutex). Uncontended it costs one cgo call.
func (m *Mutex) Lock(ctx context.Context) error {
	if err := m.life.ref(); err != nil {
		return mutexErr("lock", err)
	}
	if C.gocoro_mutex_try_lock(m.c) != 0 {
		m.locked.Store(true)
		return nil
	}
	m.mu.Lock()
	if m.closing.Load() {
		m.mu.Unlock()
		m.life.Exit()
		return mutexErr("lock", ErrClosed)
	}
	w := newWaiter()
	m.queue = append(m.queue, w)
	if m.armed {
		m.life.Exit()
	} else {
		m.armLocked() // takes over this call's reference
	}
	m.mu.Unlock()

	select {
	case <-w.ch:
		return w.err
	case <-ctx.Done():
		m.mu.Lock()
		if !w.granted && w.err == nil {
			m.removeLocked(w)
			m.mu.Unlock()
			return ctx.Err()
		}
		if w.err != nil {
			m.mu.Unlock()
			return w.err
		}
		// Granted in the same instant: pass the lock on.
		if m.grantLocked() {
			m.mu.Unlock()
		} else {
			m.mu.Unlock()
			m.locked.Store(false)
			runSteps(C.gocoro_mutex_unlock(m.c))
			m.life.Exit()
		}
		return ctx.Err()
	}
}

// armLocked queues the native stand-in; it owns one lifetime reference (the caller's).
func (m *Mutex) armLocked() {
	m.armed = true
	startDeliverer()
	C.gocoro_mutex_lock_async(m.c, C.uintptr_t(newHandle(completer((*mutexStandIn)(m)))))
}

func (m *Mutex) removeLocked(w *waiter) {
	for i, q := range m.queue {
		if q == w {
			m.queue = append(m.queue[:i], m.queue[i+1:]...)
			return
		}
	}
}

// grantLocked gives the lock the caller holds (with its reference) to the oldest goroutine waiter. False if
// there is none (or the mutex is closing): the caller must release the lock natively.
func (m *Mutex) grantLocked() bool {
	if m.closing.Load() || len(m.queue) == 0 {
		return false
	}
	w := m.queue[0]
	m.queue[0] = nil
	m.queue = m.queue[1:]
	w.granted = true
	m.locked.Store(true)
	close(w.ch)
	if len(m.queue) > 0 && !m.armed && m.life.Enter() {
		// Queue behind the new holder for the next goroutine (queuing never resumes anyone inline).
		m.armLocked()
	}
	return true
}

// mutexStandIn receives the lock when the native stand-in gets it.
type mutexStandIn Mutex

func (s *mutexStandIn) complete(int64) {
	m := (*Mutex)(s)
	m.mu.Lock()
	m.armed = false
	granted := m.grantLocked()
	m.mu.Unlock()
	if !granted {
		// Every goroutine gave up: release it. Not on the completion goroutine: unlock may run a task body inline.
		go func() {
			runSteps(C.gocoro_mutex_unlock(m.c))
			m.life.Exit()
		}()
	}
}

// AwaitLock suspends the task body until it holds the lock (co_await mutex.lock()); a free mutex is taken
// without suspending. The body must call Unlock later.
func (m *Mutex) AwaitLock(t *T) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := m.life.ref(); err != nil {
		return mutexErr("lock", err)
	}
	t.await(request{kind: C.GOCORO_OP_MUTEX_LOCK, target: unsafe.Pointer(m.c)})
	if m.closing.Load() {
		runSteps(C.gocoro_mutex_unlock(m.c)) // hand it on, so every waiter drains
		m.life.Exit()
		return mutexErr("lock", ErrClosed)
	}
	m.locked.Store(true)
	return nil
}

// Unlock releases the lock. If task bodies wait, the lock goes straight to one of them, which runs inline on
// the calling thread until its next suspension before Unlock returns. Unlocking an unlocked mutex returns an
// error matching ErrInvalid. After Close, Unlock still releases a lock taken before (so waiters drain) and
// returns an error matching ErrClosed.
func (m *Mutex) Unlock() error {
	if !m.locked.CompareAndSwap(true, false) {
		if m.closing.Load() {
			return mutexErr("unlock", ErrClosed)
		}
		return mutexErr("unlock", ErrInvalid)
	}
	runSteps(C.gocoro_mutex_unlock(m.c))
	m.life.Exit()
	if m.closing.Load() {
		return mutexErr("unlock", ErrClosed)
	}
	return nil
}

// Close makes every later operation fail with ErrClosed and wakes the goroutines blocked in Lock (they get
// ErrClosed). Task bodies still waiting get ErrClosed as the lock reaches them. The C++ mutex is freed once it
// is unlocked and nobody waits. Later calls do nothing.
func (m *Mutex) Close() error {
	return closeLock("mutex", &m.life, &m.mu, &m.closing, func() {
		for _, w := range m.queue {
			w.wake(mutexErr("lock", ErrClosed))
		}
		m.queue = nil
	})
}

// closeLock is the Close of Mutex and SharedMutex (obj names it in errors): the first call marks it closing and,
// holding mu, wakes the goroutines blocked in a lock call (wakeLocked); then the lifetime ends, so the C++ object
// is freed once nothing holds or uses it. Later calls do nothing.
func closeLock(obj string, life *lifetime, mu *sync.Mutex, closing *atomic.Bool, wakeLocked func()) error {
	if !life.Valid() {
		return &opError{Op: "close", Obj: obj, Err: ErrInvalid}
	}
	mu.Lock()
	if closing.Load() {
		mu.Unlock()
		return nil
	}
	closing.Store(true)
	wakeLocked()
	mu.Unlock()
	life.Close()
	return nil
}
