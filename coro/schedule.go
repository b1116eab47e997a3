//go:build cgo

package coro

/*
#include "cshim/io_scheduler.h"
#include "cshim/thread_pool.h"
*/
import "C"

import (
	"context"
	"runtime/debug"
	"sync/atomic"
)

// Executor is something Go functions and task bodies can run on: *ThreadPool or *IOScheduler
// (coro::concepts::executor).
type Executor interface {
	// submit queues q to run once on one of the executor's threads; on error q was not queued (and never runs).
	submit(q queued) error
	// scheduleRequest describes moving a task onto the executor (schedule, or yield when yield is true). The
	// executor stays alive until finish is called with the await's result; finish maps it to an error.
	scheduleRequest(yield bool) (r request, finish func(result int64) error, err error)
	// hold keeps the executor's C++ object alive for one C call that may hand it coroutines (false once it is
	// closed; then nothing must be handed to it); release with unhold.
	hold() bool
	unhold()
}

// onExecutor calls pool or sched, whichever matches ex's kind, with its C++ object held open for the call (hold);
// false if ex is closed (or not valid) and nothing was called. Waiters the call hands to an executor that is
// shutting down are resumed inline by the C++ side rather than dropped.
func onExecutor(ex Executor, pool func(*C.gocoro_thread_pool), sched func(*C.gocoro_io_scheduler)) bool {
	if !validExecutor(ex) || !ex.hold() {
		return false
	}
	defer ex.unhold()
	switch x := ex.(type) {
	case *ThreadPool:
		pool(x.tp)
	case *IOScheduler:
		sched(x.s)
	}
	return true
}

const (
	jobPending int32 = iota
	jobRunning
	jobCancelled
)

// job is one Schedule call: the function, its context and its outcome.
type job[T any] struct {
	ctx   context.Context
	fn    func(context.Context) (T, error)
	state atomic.Int32
	val   T
	err   error
	done  chan struct{}
}

func (j *job[T]) fail(err error) {
	if j.state.CompareAndSwap(jobPending, jobRunning) {
		j.err = err
	}
	close(j.done)
}

func (j *job[T]) run() {
	defer close(j.done)
	if !j.state.CompareAndSwap(jobPending, jobRunning) {
		return // the caller gave up before we started
	}
	returned := false
	defer func() {
		if r := recover(); r != nil {
			j.err = &PanicError{Value: r, Stack: debug.Stack()}
		} else if !returned {
			j.err = ErrGoexit
		}
	}()
	j.val, j.err = j.fn(j.ctx)
	returned = true
}

// Schedule runs fn on one of ex's threads and returns its result.
//
// If ctx is done before fn starts, fn never runs and Schedule returns ctx.Err(). Once fn has started it
// receives ctx and Schedule waits for it to return. fn occupies the executor thread but runs on a guest goroutine
// (see the package documentation). A panic in fn is returned as a *PanicError, a runtime.Goexit as ErrGoexit.
// After ex is closed Schedule returns an error matching ErrClosed.
func Schedule[T any](ctx context.Context, ex Executor, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, ErrInvalid
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	j := &job[T]{ctx: ctx, fn: fn, done: make(chan struct{})}
	if err := ex.submit(j); err != nil {
		return zero, err
	}
	select {
	case <-j.done:
		return j.val, j.err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobPending, jobCancelled) {
			// The executor still calls back later (that is what frees the handle) but skips fn.
			return zero, ctx.Err()
		}
		<-j.done
		return j.val, j.err
	}
}

// spawned is a fire-and-forget function; a panic in it is recovered and dropped, like an exception
// escaping a task spawned on a libcoro executor. A pointer, so that queued items compare by identity (a func
// value in an interface would panic when compared; ThreadPool.submit looks for its own item among lost ones).
type spawned struct{ fn func() }

func (s *spawned) run() {
	defer func() { _ = recover() }()
	s.fn()
}

func (s *spawned) fail(error) {} // nobody waits for it: like a task a closed executor drops

func spawnOn(ex Executor, fn func()) error {
	if fn == nil {
		return ErrInvalid
	}
	return ex.submit(&spawned{fn: fn})
}
