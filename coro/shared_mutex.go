package coro

/*
#include "cshim/shared_mutex.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"unsafe"
)

// SharedMutex is a reader/writer lock (coro::shared_mutex<thread_pool>) shared by task bodies and goroutines.
// Safe for concurrent use.
//
// Any number of shared holders or one exclusive holder. Waiters queue in FIFO order; once an exclusive waiter is
// queued, new shared requests queue behind it (writer preference). On release an exclusive waiter at the head is
// resumed inline on the releasing thread; a run of shared waiters at the head is admitted together and handed to
// the ThreadPool to run in parallel (inline instead once the pool is closed, so none is dropped).
//
// Every goroutine blocked in Lock or LockShared has its own native lock operation in the C++ queue, so the FIFO
// and writer-preference rules apply to goroutines and task bodies alike. Cancelling withdraws the goroutine at
// once; libcoro's intrusive queue cannot unlink an operation, so its queue entry stays as a placeholder that
// passes the lock on the moment it is granted.
//
// The zero value is not usable; make one with NewSharedMutex. Every method of a zero SharedMutex fails with an
// error matching ErrInvalid (TryLock and TryLockShared report false).
type SharedMutex struct {
	c         *C.gocoro_shared_mutex
	ex        Executor
	life      lifetime
	closing   atomic.Bool
	exclusive atomic.Bool  // an exclusive hold exists
	shared    atomic.Int64 // shared holds

	mu      sync.Mutex // guards pending
	pending map[*sharedWaiter]struct{}
}

type sharedWaiter struct {
	waiter
	m         *SharedMutex
	excl      bool
	abandoned bool
}

// NewSharedMutex makes a shared mutex that wakes shared waiters on ex, a *ThreadPool or an *IOScheduler
// (coro::shared_mutex<executor>).
func NewSharedMutex(ex Executor) (*SharedMutex, error) {
	if !validExecutor(ex) {
		return nil, invalidArg("NewSharedMutex", "ex must be a *ThreadPool or *IOScheduler made by its constructor, got %T", ex)
	}
	if !ex.hold() {
		return nil, &opError{Op: "create", Obj: "shared_mutex", Err: ErrClosed}
	}
	defer ex.unhold()
	var cerr C.gocoro_error
	var c *C.gocoro_shared_mutex
	switch x := ex.(type) {
	case *ThreadPool:
		c = C.gocoro_shared_mutex_create(x.tp, &cerr)
	case *IOScheduler:
		c = C.gocoro_shared_mutex_create_io(x.s, &cerr)
	default:
		return nil, &opError{Op: "create", Obj: "shared_mutex", Err: ErrInvalid}
	}
	if c == nil {
		return nil, &opError{Op: "create", Obj: "shared_mutex", Err: errors.Join(ErrInvalid, errors.New(C.GoString(&cerr.message[0])))}
	}
	m := &SharedMutex{c: c, ex: ex, pending: map[*sharedWaiter]struct{}{}}
	m.life.Init(func() { C.gocoro_shared_mutex_destroy(c) })
	return m, nil
}

func sharedErr(op string, err error) error { return &opError{Op: op, Obj: "shared_mutex", Err: err} }

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func (m *SharedMutex) held(excl bool) {
	if excl {
		m.exclusive.Store(true)
	} else {
		m.shared.Add(1)
	}
}

// release drops one hold natively, keeping the executor alive for the call (shared waiters may be handed to it).
func (m *SharedMutex) release(excl bool) {
	live := m.ex.hold()
	if !live {
		C.gocoro_shared_mutex_detach_executor(m.c)
	}
	runSteps(C.gocoro_shared_mutex_unlock(m.c, cbool(excl)))
	if live {
		m.ex.unhold()
	}
	m.life.Exit()
}

// TryLock takes exclusive ownership if nobody holds the lock; balance with Unlock. False after Close.
func (m *SharedMutex) TryLock() bool { return m.try(true) }

// TryLockShared takes shared ownership if the lock is free or shared with no exclusive waiter queued; balance
// with UnlockShared. False after Close.
func (m *SharedMutex) TryLockShared() bool { return m.try(false) }

func (m *SharedMutex) try(excl bool) bool {
	if !m.life.Valid() || !m.life.Enter() {
		return false
	}
	if C.gocoro_shared_mutex_try_lock(m.c, cbool(excl)) != 0 {
		m.held(excl)
		return true
	}
	m.life.Exit()
	return false
}

// Lock blocks the calling goroutine until it holds exclusive ownership or ctx ends. On ctx.Err() it holds
// nothing: ownership granted in the same instant is released again.
func (m *SharedMutex) Lock(ctx context.Context) error { return m.lock(ctx, true) }

// LockShared blocks the calling goroutine until it holds shared ownership or ctx ends (see Lock).
func (m *SharedMutex) LockShared(ctx context.Context) error { return m.lock(ctx, false) }

func (m *SharedMutex) lock(ctx context.Context, excl bool) error {
	if err := m.life.ref(); err != nil {
		return sharedErr("lock", err)
	}
	if C.gocoro_shared_mutex_try_lock(m.c, cbool(excl)) != 0 {
		m.held(excl)
		return nil
	}
	m.mu.Lock()
	if m.closing.Load() {
		m.mu.Unlock()
		m.life.Exit()
		return sharedErr("lock", ErrClosed)
	}
	w := &sharedWaiter{waiter: waiter{ch: make(chan struct{})}, m: m, excl: excl}
	m.pending[w] = struct{}{}
	startDeliverer()
	// The native operation keeps this call's reference; queuing never resumes anyone inline.
	C.gocoro_shared_mutex_lock_async(m.c, cbool(excl), C.uintptr_t(newHandle(completer(w))))
	m.mu.Unlock()

	select {
	case <-w.ch:
		return w.err
	case <-ctx.Done():
		m.mu.Lock()
		if w.err != nil {
			m.mu.Unlock()
			return w.err
		}
		if !w.granted {
			w.abandoned = true
			delete(m.pending, w)
			m.mu.Unlock()
			return ctx.Err()
		}
		m.mu.Unlock()
		m.unhold(excl)
		m.release(excl)
		return ctx.Err()
	}
}

// complete runs when the goroutine's native lock operation got the lock.
func (w *sharedWaiter) complete(int64) {
	m := w.m
	m.mu.Lock()
	delete(m.pending, w)
	if w.abandoned || w.err != nil {
		m.mu.Unlock()
		// Not on the completion goroutine: releasing may run a task body inline.
		go m.release(w.excl)
		return
	}
	w.granted = true
	m.held(w.excl)
	close(w.ch)
	m.mu.Unlock()
}

func (m *SharedMutex) unhold(excl bool) bool {
	if excl {
		return m.exclusive.CompareAndSwap(true, false)
	}
	for {
		n := m.shared.Load()
		if n <= 0 {
			return false
		}
		if m.shared.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// AwaitLock suspends the task body until it holds exclusive ownership (co_await lock()).
func (m *SharedMutex) AwaitLock(t *T) error { return m.await(t, true) }

// AwaitLockShared suspends the task body until it holds shared ownership (co_await lock_shared()).
func (m *SharedMutex) AwaitLockShared(t *T) error { return m.await(t, false) }

func (m *SharedMutex) await(t *T, excl bool) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := m.life.ref(); err != nil {
		return sharedErr("lock", err)
	}
	var arg int64
	if excl {
		arg = 1
	}
	t.await(request{kind: C.GOCORO_OP_SHARED_MUTEX_LOCK, target: unsafe.Pointer(m.c), arg: arg})
	if m.closing.Load() {
		m.release(excl) // hand it on, so every waiter drains
		return sharedErr("lock", ErrClosed)
	}
	m.held(excl)
	return nil
}

// Unlock drops exclusive ownership and wakes the queue head. An exclusive waiter there runs inline on the calling
// thread before Unlock returns; shared waiters are handed to the pool. Errors: ErrInvalid if not exclusively
// held; after Close a hold taken before is still released and ErrClosed is returned.
func (m *SharedMutex) Unlock() error { return m.unlock(true) }

// UnlockShared drops one shared hold; the last one wakes the queue head (see Unlock).
func (m *SharedMutex) UnlockShared() error { return m.unlock(false) }

func (m *SharedMutex) unlock(excl bool) error {
	if !m.unhold(excl) {
		if m.closing.Load() {
			return sharedErr("unlock", ErrClosed)
		}
		return sharedErr("unlock", ErrInvalid)
	}
	m.release(excl)
	if m.closing.Load() {
		return sharedErr("unlock", ErrClosed)
	}
	return nil
}

// Close wakes every goroutine blocked in Lock/LockShared with ErrClosed and makes later operations fail with
// ErrClosed. Task bodies still waiting get ErrClosed as the lock reaches them. The C++ object is freed once
// nothing holds or waits for it. Later calls do nothing. Close the SharedMutex before or after its pool, either
// works.
func (m *SharedMutex) Close() error {
	return closeLock("shared_mutex", &m.life, &m.mu, &m.closing, func() {
		for w := range m.pending {
			w.wake(sharedErr("lock", ErrClosed))
		}
		clear(m.pending)
	})
}
