package coro

/*
#include "cshim/thread_pool.h"
#include "cshim/task.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ThreadPoolOptions configures NewThreadPool (coro::thread_pool::options).
type ThreadPoolOptions struct {
	// ThreadCount is the number of worker threads; 0 means runtime.NumCPU().
	ThreadCount int
	// OnThreadStart, if set, runs first on each worker thread with its index 0..ThreadCount-1. It runs on the
	// worker thread itself (unlike Schedule functions): a panic in it is dropped, but runtime.Goexit (t.FailNow)
	// aborts the process.
	OnThreadStart func(index int)
	// OnThreadStop, if set, runs last on each worker thread, as OnThreadStart does.
	OnThreadStop func(index int)
}

// ThreadPool is a coro::thread_pool: a fixed set of C++ worker threads. Safe for concurrent use.
//
// The zero value is not usable; make one with NewThreadPool. A zero ThreadPool refuses all work with an error
// matching ErrInvalid (ThreadCount and Size report 0).
type ThreadPool struct {
	tp    *C.gocoro_thread_pool
	id    *C.gocoro_thread_pool // tp as made, never cleared: only compared, never dereferenced
	hooks handle                // 0 when there are no thread callbacks
	// life has one reference per cgo call on tp and per task await handed to C++ that still references tp. Close
	// waits for them all and then frees tp itself (no free function: the last reference may be dropped on one of
	// the pool's own threads, which cannot join the pool).
	life   lifetime
	finish func(int64) error // p.finishSchedule, made once: a method value per request would allocate
	runq   runQueue          // Go work waiting for a drainer (see runQueue)
	// process marks the process-wide pool (DefaultThreadPool), which Close refuses to stop.
	process bool
}

// NewThreadPool starts a pool. Close it to stop its threads.
func NewThreadPool(opts ThreadPoolOptions) (*ThreadPool, error) {
	n := opts.ThreadCount
	if n == 0 {
		n = runtime.NumCPU()
	}
	if n < 0 || n > 1<<16 {
		return nil, invalidArg("NewThreadPool", "ThreadCount must be 0 (one per CPU) to 65536, got %d", n)
	}
	p := &ThreadPool{runq: runQueue{max: n}}
	p.finish = p.finishSchedule
	copts := C.gocoro_thread_pool_options{thread_count: C.uint32_t(n)}
	if opts.OnThreadStart != nil || opts.OnThreadStop != nil {
		p.hooks = newHandle(&threadHooks{start: opts.OnThreadStart, stop: opts.OnThreadStop})
		copts.thread_event_handle = C.uintptr_t(p.hooks)
	}
	var cerr C.gocoro_error
	p.tp = C.gocoro_thread_pool_create(&copts, &cerr)
	p.id = p.tp
	if p.tp == nil {
		if p.hooks != 0 {
			releaseHandle(p.hooks)
		}
		return nil, &opError{Op: "create", Obj: "thread_pool", Err: errors.New(C.GoString(&cerr.message[0]))}
	}
	p.life.Init(nil)
	return p, nil
}

// valid reports whether p was made by NewThreadPool (the zero ThreadPool has no C++ pool).
func (p *ThreadPool) valid() bool { return p.id != nil }

func poolInvalid(op string) error { return &opError{Op: op, Obj: "thread_pool", Err: ErrInvalid} }

// ThreadCount reports the number of worker threads (0 after Close).
func (p *ThreadPool) ThreadCount() int {
	if !p.life.Enter() {
		return 0
	}
	defer p.life.Exit()
	return int(C.gocoro_thread_pool_thread_count(p.tp))
}

// Size reports queued plus running tasks (0 after Close).
func (p *ThreadPool) Size() int {
	if !p.life.Enter() {
		return 0
	}
	defer p.life.Exit()
	return int(C.gocoro_thread_pool_size(p.tp)) + p.runq.len()
}

// Spawn runs fn once on a pool thread without waiting for it (on a guest goroutine, like Schedule). A panic or
// runtime.Goexit in fn ends fn only: it is dropped.
func (p *ThreadPool) Spawn(fn func()) error { return spawnOn(p, fn) }

// submit queues q on the pool's run queue, starting a drainer for it if fewer than one per thread exist.
func (p *ThreadPool) submit(q queued) error { return p.enqueue(false, q) }

// enqueue queues qs together on the pool's run queue: on the FIFO, or with next on the stack of work drainers queue
// for themselves (runQueue). With no qs it only checks that the pool takes work. On an error none of qs was queued.
func (p *ThreadPool) enqueue(next bool, qs ...queued) error {
	if !p.valid() {
		return poolInvalid("schedule")
	}
	if !p.life.Enter() {
		return &opError{Op: "schedule", Obj: "thread_pool", Err: ErrClosed}
	}
	defer p.life.Exit()
	if len(qs) == 0 || !p.runq.push(next, qs...) {
		return nil // a drainer that is queued or running will take them
	}
	if p.spawn(drainer{p: p, tp: p.tp}, false) {
		return nil
	}
	// The pool shut down meanwhile (Close began) or is out of memory. Fail what nobody else will run.
	err := &opError{Op: "schedule", Obj: "thread_pool", Err: unix.ENOMEM}
	if p.life.Closed() {
		err.Err = ErrClosed
	}
	var ours bool
	for _, l := range p.runq.drainerLost() {
		if slices.Contains(qs, l) {
			ours = true // qs went in together, so they are lost together
			continue
		}
		l.fail(err)
	}
	if ours {
		return err
	}
	return nil
}

// spawn queues d as a pool task (behind everything already queued if behind is set); false if the pool refused it.
func (p *ThreadPool) spawn(d drainer, behind bool) bool {
	h := newHandle(runner(d))
	p.runq.spawned.Add(1)
	var rc C.int
	if behind {
		rc = C.gocoro_thread_pool_spawn_behind(d.tp, C.uintptr_t(h))
	} else {
		rc = C.gocoro_thread_pool_spawn(d.tp, C.uintptr_t(h))
	}
	if rc != C.GOCORO_OK {
		p.runq.spawned.Add(-1)
		releaseHandle(h)
		return false
	}
	return true
}

// Close stops accepting work, runs every task already queued, joins the threads and frees the pool.
// Calling Close again does nothing. Called from one of the pool's own threads (a Spawn, Schedule or NewFunc
// function running there), Close cannot wait for the thread it runs on: it then does all that in the background
// and returns nil at once. A task body (NewTask) must not Close the pool it runs on: its thread waits for the body.
// The DefaultThreadPool cannot be closed (ErrNotSupported).
func (p *ThreadPool) Close() error {
	if !p.valid() {
		return poolInvalid("close")
	}
	if p.process {
		return &opError{Op: "close", Obj: "default thread_pool", Err: ErrNotSupported}
	}
	if p.onOwnThread() {
		go p.Close()
		return nil
	}
	if !p.life.Close() {
		return nil
	}
	// New calls are refused now; one still in flight either gets its work in before the workers leave (the drain
	// runs it) or is refused by the pool. Queued work still calls back into Go while we wait here.
	C.gocoro_thread_pool_shutdown(p.tp)
	// A task resumed by the drain may be between its schedule and its next step on another thread.
	p.life.Wait()
	C.gocoro_thread_pool_destroy(p.tp)
	p.tp = nil
	if p.hooks != 0 {
		releaseHandle(p.hooks)
		p.hooks = 0
	}
	return nil
}

// onOwnThread reports whether the caller runs on one of the pool's workers.
func (p *ThreadPool) onOwnThread() bool {
	// No lock: a concurrent Close holds the write lock while it waits for this very thread. The C side only
	// compares the pointer.
	return C.gocoro_thread_pool_on_own_thread(p.id) != 0
}

func (p *ThreadPool) scheduleRequest(yield bool) (request, func(int64) error, error) {
	if !p.valid() {
		return request{}, nil, poolInvalid("schedule")
	}
	kind := C.int32_t(C.GOCORO_OP_SCHEDULE)
	if yield {
		kind = C.GOCORO_OP_YIELD
	}
	if !p.life.Enter() {
		return request{}, nil, &opError{Op: "schedule", Obj: "thread_pool", Err: ErrClosed}
	}
	return request{kind: kind, target: unsafe.Pointer(p.tp)}, p.finish, nil
}

func (p *ThreadPool) finishSchedule(res int64) error {
	p.life.Exit()
	switch res {
	case C.GOCORO_ESHUTDOWN:
		return &opError{Op: "schedule", Obj: "thread_pool", Err: ErrClosed}
	case C.GOCORO_ENOMEM: // the pool's queue could not grow: the body is not on the pool
		return &opError{Op: "schedule", Obj: "thread_pool", Err: unix.ENOMEM}
	}
	return nil
}

func (p *ThreadPool) hold() bool { return p.life.Enter() }

func (p *ThreadPool) unhold() { p.life.Exit() }
