package coro

/*
#include <stdlib.h>
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"unsafe"
)

// taskRelease frees a task's C++ proxy once the proxy has fully finished (WhenAny's losers).
type taskRelease taskCore

func (r *taskRelease) complete(int64) { (*taskCore)(r).release() }

// WhenAll awaits every task inside the task body t (coro::when_all): they start in order on the current thread,
// each running until it first suspends, and t resumes on the thread that finishes the last one. Each task's
// own outcome is read with its Result; WhenAll only fails, with nothing started, if a task was already running
// elsewhere (ErrTaskBusy) or the native side could not allocate a task's proxy (an error matching unix.ENOMEM).
func WhenAll(t *T, tasks ...AnyTask) error {
	if err := t.check(); err != nil {
		return err
	}
	var run []*taskCore
	for _, task := range tasks {
		k := task.taskCore()
		if k.state.Load() == taskDone {
			continue
		}
		if err := k.claim(); err != nil {
			for _, r := range run {
				r.unclaim()
			}
			return err
		}
		run = append(run, k)
	}
	if len(run) == 0 {
		return nil
	}
	t.await(whenAllRequest(run))
	for _, k := range run {
		k.release()
	}
	return nil
}

// whenAllRequest describes a native when_all over the claimed children; the proxy frees the C array.
func whenAllRequest(run []*taskCore) request {
	arr := unsafe.Slice((**C.gocoro_task)(C.malloc(C.size_t(len(run))*C.size_t(unsafe.Sizeof((*C.gocoro_task)(nil))))), len(run))
	for i, k := range run {
		arr[i] = k.c
	}
	return request{kind: C.GOCORO_OP_WHEN_ALL, target: unsafe.Pointer(&arr[0]), arg: int64(len(run))}
}

// WhenAny starts every task in order on the current thread (each runs until it first suspends) and suspends the
// body t until the first of them finishes (coro::when_any); it returns that task's index, and t resumes on the
// thread that finished it. The others are not stopped: they keep running to completion in the background and
// their outcome stays available through Result — to stop them early, give their bodies a context and cancel it
// (WhenAnyCancel does that for you).
func WhenAny(t *T, tasks ...AnyTask) (int, error) {
	if err := t.check(); err != nil {
		return -1, err
	}
	if len(tasks) == 0 {
		return -1, &opError{Op: "when_any", Obj: "task", Err: ErrInvalid}
	}
	for i, task := range tasks {
		if task.taskCore().state.Load() == taskDone {
			return i, nil // already finished: it wins without anything running
		}
	}
	var claimed []*taskCore
	for _, task := range tasks {
		k := task.taskCore()
		if err := k.claim(); err != nil {
			for _, c := range claimed {
				c.unclaim()
			}
			return -1, err
		}
		claimed = append(claimed, k)
	}
	// The proxy takes ownership of this C array and frees it; each child's C++ proxy is freed when its release
	// completion arrives (after the child has finished, possibly long after the winner).
	items := unsafe.Slice((*C.gocoro_when_any_item)(C.malloc(C.size_t(len(claimed))*C.size_t(unsafe.Sizeof(C.gocoro_when_any_item{})))), len(claimed))
	startDeliverer()
	for i, k := range claimed {
		items[i].task = k.c
		items[i].release = C.uintptr_t(newHandle(completer((*taskRelease)(k))))
	}
	winner := t.await(request{kind: C.GOCORO_OP_WHEN_ANY, target: unsafe.Pointer(&items[0]), arg: int64(len(claimed))})
	return int(winner), nil
}

// WhenAnyCancel is WhenAny, then cancel() once the winner is known (coro::when_any with a std::stop_source):
// pass the context behind cancel to the tasks' bodies so the losers can stop early.
func WhenAnyCancel(t *T, cancel context.CancelFunc, tasks ...AnyTask) (int, error) {
	i, err := WhenAny(t, tasks...)
	cancel()
	return i, err
}
