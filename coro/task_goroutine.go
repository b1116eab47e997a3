package coro

/*
#include "cshim/completion.h"
#include "cshim/task.h"
*/
import "C"

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// NewGoroutineTask makes a task whose body runs on a goroutine of its own from start to end (the goroutine model):
// an await only asks C++ to perform the awaited operation, and the body continues when it completes, without any
// executor thread waiting for it. An await that completes at once (a set Event, an unlocked Mutex) costs one cgo
// call; one that completes on an executor thread (T.Schedule, T.YieldFor, an Event set elsewhere) costs one
// goroutine wake-up through the batched completion queue, instead of NewTask's two OS-thread hand-offs.
//
// What it gives up is libcoro's thread semantics, which NewTask keeps: between awaits the body does not occupy an
// executor thread, so T.Schedule(ex) orders the body behind ex's queue but does not run it on ex's threads (a
// 1-thread pool does not keep two such bodies apart), and waiters resumed by Event.Set or Unlock run after the
// call returns, on their own goroutines, not inline inside it. T.ThreadID reports the thread that completed the
// last await. Everything else (awaits, WhenAll, WhenAny, Await, composition with NewTask and NewFunc tasks, panics
// and runtime.Goexit reported as errors) behaves as under NewTask. See the package documentation for which thread
// runs what under each model.
//
// Every body parked in an await keeps its goroutine (and stack). Executor threads do not pace the bodies, so a
// fork-join tree whose nodes all T.Schedule before recursing unfolds breadth first and keeps every node alive at
// once (tools/bench skynet_1m_gobody_goroutine: 1.1M bodies, about 4 GiB, where NewTask stays near 25 MiB).
func NewGoroutineTask[R any](body func(t *T) (R, error)) *Task[R] {
	task := NewTask(body)
	task.core.gor.onGoroutine = true
	return task
}

// startOnGoroutine starts the body's goroutine: from Start (first is nil: the body creates its proxy at its first
// native await) or at the first step of a proxy made by claim.
func (k *taskCore) startOnGoroutine(first *C.gocoro_step) {
	g := k.gor
	g.started = true
	g.resume = make(chan *C.gocoro_step, 1)
	var threadID int
	if first != nil {
		threadID = int(first.op.thread_id)
	} else {
		threadID = int(C.gocoro_thread_id())
	}
	go k.runOnGoroutine(first, threadID)
}

// resumeOnGoroutine hands a step reached on another thread to the body's goroutine, starting it at the first one.
// Steps of one proxy come one at a time (the next only after the body continued the proxy), so this never blocks.
func (k *taskCore) resumeOnGoroutine(s *C.gocoro_step) {
	if !k.gor.started {
		k.startOnGoroutine(s)
		return
	}
	k.gor.resume <- s
}

// resumePosted delivers a step that an executor thread posted to the completion queue (see host_step in
// cshim/task.cc): the record's result holds the step's address.
func resumePosted(c *C.gocoro_completion) {
	s := *(**C.gocoro_step)(unsafe.Pointer(&c.result))
	k := handle(s.handle).Value().(*taskCore)
	if k.gor.onGoroutine {
		k.resumeOnGoroutine(s)
		return
	}
	k.step(s.op, true) // a NewTask body: its thread waits for the body's next await
}

// awaitOnGoroutine performs one await of a goroutine body: it describes r in the step the body holds and
// continues the proxy right here (inside a host call, so that whatever the proxy resumes on this thread is left to
// this goroutine: its own next step when r completes at once, other bodies' steps, which are handed on). If r did
// not complete at once, the body parks until the thread that completes it posts the step.
func (t *T) awaitOnGoroutine(r request) int64 {
	k := t.core
	g := k.gor
	var own *C.gocoro_step
	if s := g.step; s != nil {
		g.step = nil
		s.op.kind, s.op.target, s.op.arg, s.op.arg2 = r.kind, r.target, C.int64_t(r.arg), C.int64_t(r.arg2)
		own = dispatchSteps(C.gocoro_step_continue(s), k)
	} else {
		own = dispatchSteps(k.runFirstAwait(r), k)
	}
	if own == nil {
		own = <-g.resume
	}
	g.step = own
	t.threadID = int(own.op.thread_id)
	return int64(own.op.result)
}

// runFirstAwait starts the proxy of a body started from Go with the body's first native await r and returns the
// steps left to the host.
func (k *taskCore) runFirstAwait(r request) *C.gocoro_step {
	k.handle = newHandle(k)
	first := C.gocoro_op{kind: r.kind, target: r.target, arg: C.int64_t(r.arg), arg2: C.int64_t(r.arg2)}
	var steps *C.gocoro_step
	if C.gocoro_task_run_from(C.uintptr_t(k.handle), C.GOCORO_TASK_GOROUTINE, &first, &steps) == C.GOCORO_ENOMEM {
		releaseHandle(k.handle)
		panic(abortedAwait{&opError{Op: "start", Obj: "task", Err: unix.ENOMEM}})
	}
	return steps
}

// runOnGoroutine runs a goroutine body to its end and then finishes its proxy, if it has one.
func (k *taskCore) runOnGoroutine(first *C.gocoro_step, threadID int) {
	t := k.gor.newT(k, threadID)
	k.gor.step = first
	returned := false
	defer func() {
		k.endBody(t, recover(), returned)
		k.finishOnGoroutine()
	}()
	k.err = k.gor.body.runBody(t)
	returned = true
}

// finishOnGoroutine publishes the outcome and lets the proxy complete (which resumes whoever awaits the task: their
// steps are handed on from here). The handle is released first: after GOCORO_OP_DONE the proxy never uses it.
func (k *taskCore) finishOnGoroutine() {
	s := k.gor.step
	k.gor.step = nil
	if s == nil {
		// No proxy: the body ended before its first native await (or could not start one).
		k.markDone()
		return
	}
	s.op.kind, s.op.target, s.op.arg, s.op.arg2, s.op.result = C.GOCORO_OP_DONE, nil, 0, 0, 0
	if k.err != nil {
		s.op.result = 1
	}
	releaseHandle(k.handle)
	k.markDone()
	dispatchSteps(C.gocoro_step_continue(s), nil)
}
