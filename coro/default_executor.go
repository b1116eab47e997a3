package coro

/*
#include "cshim/default_executor.h"
*/
import "C"

import (
	"errors"
	"sync"

	"golang.org/x/sys/unix"
)

// The process-wide executors (libcoro v0.16's coro::default_executor, or the shim's own pair under libcoro_external),
// made on first use and kept; guarded by
// defaultMu, and nil until made (a failed attempt is retried by the next call).
var (
	defaultMu    sync.Mutex
	defaultPool  *ThreadPool
	defaultSched *IOScheduler
)

// DefaultThreadPool returns the process-wide thread pool: coro::default_executor::executor(), so Go code and C++
// code of the same process (a native handler, a C++ library linked in) share it. It is created on the first call
// from either side, with libcoro's default size (one worker per hardware thread, std::thread::hardware_concurrency)
// unless C++ code set other options first, and every call returns the same *ThreadPool. Safe for concurrent use.
//
// Lifetime: it lives until the process exits; nobody may stop it, so Close fails with ErrNotSupported and work
// handed to it is never refused as closed. Work still queued or running when the process exits is abandoned (a Go
// program exits without C++ static destruction). The pool's threads exist only in the process that made it: a
// forked child (Go never forks without exec) must not use it. Thread hooks cannot be set (ThreadPoolOptions has
// no effect here).
//
// Under the libcoro_external build tag (upstream v0.14 has no default_executor) the shim makes the pool itself, with
// the same size and lifetime; C++ code of the process cannot reach it then.
func DefaultThreadPool() (*ThreadPool, error) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultPool != nil {
		return defaultPool, nil
	}
	var cerr C.gocoro_error
	tp := C.gocoro_default_thread_pool(&cerr)
	if tp == nil {
		return nil, &opError{Op: "create", Obj: "default thread_pool", Err: defaultErr(&cerr)}
	}
	p := &ThreadPool{tp: tp, id: tp, process: true}
	p.finish = p.finishSchedule
	p.runq = runQueue{max: int(C.gocoro_thread_pool_thread_count(tp))}
	p.life.Init(nil)
	defaultPool = p
	return p, nil
}

// DefaultIOScheduler returns the process-wide scheduler: coro::default_executor::io_executor(), shared with C++
// code of the same process like DefaultThreadPool. Made on the first call from either side with libcoro's default
// options unless C++ code set others first: its own event-loop thread (SpawnThread), tasks on its own pool
// (TasksOnThreadPool) of hardware threads - 1 workers, at least 1. Every call returns the same *IOScheduler; safe
// for concurrent use.
//
// Lifetime as DefaultThreadPool: it lives until the process exits, Close fails with ErrNotSupported, so its polls
// and timers never end with ErrClosed; pending ones are abandoned at exit. Not usable in a forked child. Under the
// libcoro_external build tag the shim makes it itself, as DefaultThreadPool.
func DefaultIOScheduler() (*IOScheduler, error) {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultSched != nil {
		return defaultSched, nil
	}
	var cerr C.gocoro_error
	cs := C.gocoro_default_io_scheduler(&cerr)
	if cs == nil {
		return nil, &opError{Op: "create", Obj: "default io_scheduler", Err: defaultErr(&cerr)}
	}
	s := &IOScheduler{s: (*C.gocoro_io_scheduler)(cs), id: (*C.gocoro_io_scheduler)(cs), process: true}
	s.init()
	defaultSched = s
	return s, nil
}

func defaultErr(cerr *C.gocoro_error) error {
	if cerr.code == C.GOCORO_ENOMEM {
		return unix.ENOMEM
	}
	return errors.New(C.GoString(&cerr.message[0]))
}
