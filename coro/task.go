package coro

/*
#include <stdlib.h>
#include "cshim/task.h"

extern void gocoroStep(uintptr_t handle, gocoro_op* op);
*/
import "C"

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrTaskBusy is returned when a task that is already running (started by SyncWait or awaited by another
// task) is awaited again. A finished task may be awaited any number of times.
var ErrTaskBusy = errors.New("coro: task is already running")

// ErrTaskNotDone is returned by Result before the task has finished (libcoro throws "the return value was never
// set" there).
var ErrTaskNotDone = errors.New("coro: task has not finished")

// ErrGoexit is a task's error (of any kind: NewTask, NewGoroutineTask, NewFunc, Join's combine), or a Schedule
// function's, when its body called runtime.Goexit (as testing.T's FailNow and SkipNow do, and testify's require on
// failure) instead of returning.
var ErrGoexit = errors.New("coro: task body called runtime.Goexit")

// ErrTaskEnded is returned by an await made with a T whose task body already returned.
var ErrTaskEnded = errors.New("coro: T used after its task body returned")

// T is what a task body awaits with. It is only valid inside the body it was passed to, on the body's own
// goroutine (like testing.T's FailNow): do not keep it or hand it to other goroutines. Awaits made with a T whose
// body has returned fail at once with ErrTaskEnded.
type T struct {
	core     *taskCore
	threadID int
	ended    atomic.Bool
}

// check fails with ErrTaskEnded once the body has returned: an await then has no proxy left to perform it.
func (t *T) check() error {
	if t.ended.Load() {
		return ErrTaskEnded
	}
	return nil
}

// ThreadID is the OS thread id (gettid) of the executor thread running the task right now. The body itself runs
// on a goroutine, but under NewTask that executor thread is reserved for it (blocked) until the body's next await
// or return, exactly as it would be running a native coroutine; after an await the task may be on another thread.
// Under NewGoroutineTask it is the thread that completed the last await (or the one that started the task): that
// thread went on with other work when it handed the body its result.
func (t *T) ThreadID() int { return t.threadID }

// request describes one native await for the task's C++ proxy (see cshim/task.h).
type request struct {
	kind   C.int32_t
	target unsafe.Pointer
	arg    int64
	arg2   int64
}

// await hands r to the proxy (which performs it natively) and parks the body until the proxy resumes it. Callers
// check t first; should one not, an await with an ended T reports a shut-down executor rather than block forever.
func (t *T) await(r request) int64 {
	if t.ended.Load() {
		return C.GOCORO_ESHUTDOWN
	}
	// Now and then let the goroutines queued behind the body run. An await hands over to a goroutine the runtime
	// runs next on this P (the executor thread's callback, locked to its thread, or a completion's deliverer), which
	// hands back the same way, so a body awaiting in a loop never left the P's other goroutines a turn: no time
	// slice ever expires in that ping-pong (TestAwaitingBodiesDoNotStarveGoroutines).
	t.core.gor.awaits++
	if t.core.gor.awaits%fairnessAwaits == 0 {
		runtime.Gosched()
	}
	g := t.core.gor
	if g.onGoroutine {
		return t.awaitOnGoroutine(r)
	}
	if op := g.reply; op != nil {
		g.reply = nil
		op.kind, op.target, op.arg, op.arg2 = r.kind, r.target, C.int64_t(r.arg), C.int64_t(r.arg2)
		g.post(op)
	} else {
		g.requests <- r
	}
	res := <-g.results
	g.reply = res.reply
	if res.abort != nil {
		panic(abortedAwait{res.abort})
	}
	t.threadID = res.threadID
	return res.value
}

// stepResult is what a step hands back to the body: the await's outcome and the thread now running the task, or
// abort: the await could not happen at all and the body ends with that error.
type stepResult struct {
	value    int64
	threadID int
	abort    error
	reply    *C.gocoro_op // the executor thread's step, waiting in C++ for the next await (nil: send it on requests)
}

// abortedAwait unwinds a body whose await could not happen (see stepResult.abort).
type abortedAwait struct{ err error }

// fairnessAwaits is how many awaits a body makes between two runtime.Gosched calls: rare enough to cost nothing
// (a Gosched is well under a microsecond), often enough that a goroutine waits at most a few hundred microseconds.
const fairnessAwaits = 64

const (
	taskIdle int32 = iota
	taskRunning
	taskDone
)

// taskCore is the type-independent part of a Task: its C++ proxy and the goroutine running the body.
//
// The body runs on its own goroutine. Each step of the proxy hands the previous await's result to the body and
// waits until the body describes its next await or returns: the thread that resumed the proxy posts the step to
// the completion queue and waits in C++ (GOCORO_TASK_THREAD), a goroutine running a step a host call left waits on
// the body's requests channel. Inline bodies run inside the step, a cgo callback on the thread that resumed it.
type taskCore struct {
	c      *C.gocoro_task
	handle handle
	gor    *goBody // a NewTask body (nil for inline bodies, which need none of it)
	err    error
	state  atomic.Int32
	// done is made by the first waiter only (most tasks are never waited for) and closed by markDone.
	done atomic.Pointer[chan struct{}]
	// inline, when set, replaces body: a state machine run directly inside each step (no goroutine, no hand-off).
	// Used for bodies that never block: NewFunc, ScheduleTask, Join.
	inline inlineBody
	// then, when set before the task starts, is told once it is done (see task_fork.go).
	then doneWaiter
}

// goBody is the part of a task whose body runs on its own goroutine.
type goBody struct {
	body    bodyRunner
	t       T // what the body awaits with (allocated with the task: one allocation less per task)
	started bool
	// NewTask (callback model): the proxy's steps hand each await over to the body and wait for the next: a step
	// on an executor thread waits in C++ (the body posts its next await into reply), one on a goroutine (a step
	// left to a host call, the first one from Start) waits on requests.
	requests chan request    // body -> proxy: next await
	results  chan stepResult // proxy -> body: its outcome
	finished chan struct{}
	reply    *C.gocoro_op // where the body describes its next await (body's goroutine only)
	// posts orders, for the race detector, what the body did before it posted a step with what the executor
	// thread that resumes the proxy next does (the hand-over itself goes through C++, which it does not see).
	posts atomic.Uint32
	// NewGoroutineTask (goroutine model, see task_goroutine.go): the body continues its proxy itself.
	onGoroutine bool
	awaits      uint32              // awaits so far, for the occasional yield in T.await
	step        *C.gocoro_step      // the proxy's step the body holds while it runs (nil before the first await)
	resume      chan *C.gocoro_step // the step that completes the body's await, when another thread reached it
}

// bodyRunner runs a Go body, stores its typed result and returns its error (goTask; an interface rather than a
// closure so that the task needs no allocation of its own for it).
type bodyRunner interface{ runBody(t *T) error }

// inlineBody receives the previous await's result and returns the next await, or false once the task is finished
// (having stored its outcome).
type inlineBody interface {
	step(result int64) (request, bool)
	// callsUser reports whether the next step may run the user's code (rather than only this package's).
	callsUser() bool
}

// markDone publishes the task's outcome. The state is stored before done is loaded and a waiter installs done
// before loading the state, so either this sees the waiter's channel or the waiter sees taskDone.
func (k *taskCore) markDone() {
	k.state.Store(taskDone)
	if ch := k.done.Load(); ch != nil {
		close(*ch)
	}
	if w := k.then; w != nil {
		k.then = nil
		w.childDone()
	}
}

// doneChan returns a channel that is closed once the task is done.
func (k *taskCore) doneChan() <-chan struct{} {
	ch := k.done.Load()
	if ch == nil {
		c := make(chan struct{})
		if k.done.CompareAndSwap(nil, &c) {
			ch = &c
		} else {
			ch = k.done.Load()
		}
	}
	if k.state.Load() == taskDone {
		return closedChan
	}
	return *ch
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// step advances the body to its next await. It runs on the thread that resumed the proxy (a callback), or on a
// goroutine: one that runs the steps a host call left (runSteps), or the deliverer for a posted step of a NewTask
// body (posted: see GOCORO_TASK_THREAD), which only hands op to the body and returns while the thread that reached
// the step waits in C++ for the body's next await. That wait replaces a callback whose locked thread blocks in Go
// until the body answers: two runtime hand-offs between OS threads per await, 20-30 µs on this VM.
func (k *taskCore) step(op *C.gocoro_op, posted bool) {
	if k.inline != nil {
		// A step that runs user code (a NewFunc's fn, Join's combine) runs it on a guest goroutine (guest.go); on
		// runtime.Goexit stepInline has recorded ErrGoexit. The other steps (moving onto an executor, starting
		// children) stay right here: a guest costs a thread hand-off.
		var r request
		more, res := false, int64(op.result)
		if !k.inline.callsUser() {
			r, more = k.stepInline(res)
		} else if runGuest(func() { r, more = k.stepInline(res) }) {
			more = false
		}
		if more {
			op.kind, op.target, op.arg, op.arg2 = r.kind, r.target, C.int64_t(r.arg), C.int64_t(r.arg2)
			return
		}
		k.finish(op)
		return
	}
	g := k.gor
	g.posts.Load() // see posts
	var reply *C.gocoro_op
	if posted {
		reply = op
	}
	if !g.started {
		g.started = true
		g.requests, g.results, g.finished = make(chan request, 1), make(chan stepResult, 1), make(chan struct{})
		go k.run(int(op.thread_id), reply)
	} else {
		g.results <- stepResult{value: int64(op.result), threadID: int(op.thread_id), reply: reply}
	}
	if posted {
		return // op belongs to the body now
	}
	select {
	case r := <-g.requests:
		op.kind, op.target, op.arg, op.arg2 = r.kind, r.target, C.int64_t(r.arg), C.int64_t(r.arg2)
		return
	case <-g.finished:
	}
	k.finish(op)
}

// post hands the step op, described, back to the executor thread waiting for it.
func (g *goBody) post(op *C.gocoro_op) {
	g.posts.Add(1)
	C.gocoro_op_post(op)
}

// stepInline runs one state of an inline body, turning a panic into the task's error, and a runtime.Goexit too
// (which goes on unwinding the caller: a guest goroutine, or the goroutine that started the task).
func (k *taskCore) stepInline(result int64) (r request, more bool) {
	returned := false
	defer func() {
		if p := recover(); p != nil {
			k.err = &PanicError{Value: p, Stack: debug.Stack()}
			more = false
		} else if !returned {
			k.err = ErrGoexit
		}
	}()
	r, more = k.inline.step(result)
	returned = true
	return r, more
}

// finish reports the body's end to the proxy: the last use of the handle.
func (k *taskCore) finish(op *C.gocoro_op) {
	op.kind, op.target, op.arg, op.result = C.GOCORO_OP_DONE, nil, 0, 0
	if k.err != nil {
		op.result = 1
	}
	k.markDone()
	releaseHandle(k.handle) // last step: C++ never uses this handle again
}

// endBody records how a body ended: r is what recover() returned in the body's deferred call, returned whether
// the body returned normally (neither, with r nil: runtime.Goexit, which runs deferred calls with nothing to recover).
func (k *taskCore) endBody(t *T, r any, returned bool) {
	t.ended.Store(true)
	if a, ok := r.(abortedAwait); ok {
		k.err = a.err
	} else if r != nil {
		k.err = &PanicError{Value: r, Stack: debug.Stack()}
	} else if !returned {
		k.err = ErrGoexit
	}
}

func (k *taskCore) run(threadID int, reply *C.gocoro_op) {
	g := k.gor
	t := g.newT(k, threadID)
	g.reply = reply
	defer func() {
		if op := g.reply; op != nil {
			g.reply = nil
			k.finish(op)
			g.post(op)
			return
		}
		close(g.finished)
	}()
	returned := false
	defer func() { k.endBody(t, recover(), returned) }()
	k.err = k.gor.body.runBody(t)
	returned = true
}

// newT readies the body's T (a task body runs once).
func (g *goBody) newT(k *taskCore, threadID int) *T {
	g.t.core, g.t.threadID = k, threadID
	return &g.t
}

// claim marks an idle task as running and gives it its C++ proxy. It fails with ErrTaskBusy if the task already ran
// or is running, and with an error matching unix.ENOMEM if the proxy cannot be allocated (the task stays idle and
// can be run later). A task holds no C memory and no handle before it is claimed, so a task that is never run needs
// no clean-up.
func (k *taskCore) claim() error {
	if !k.state.CompareAndSwap(taskIdle, taskRunning) {
		return ErrTaskBusy
	}
	k.handle = newHandle(k)
	if fails := testHookProxyFails.Load(); fails == nil || !(*fails)() {
		k.c = C.gocoro_task_create(C.uintptr_t(k.handle), k.model())
	}
	if k.c == nil {
		releaseHandle(k.handle)
		k.state.Store(taskIdle)
		return &opError{Op: "start", Obj: "task", Err: unix.ENOMEM}
	}
	return nil
}

// testHookProxyFails, set by tests only, makes claim's proxy allocation fail when it returns true (atomic: tasks
// that other tests left running may claim meanwhile).
var testHookProxyFails atomic.Pointer[func() bool]

// adopt marks an idle inline task as running inside another task's proxy (no proxy or handle of its own).
func (k *taskCore) adopt() bool { return k.state.CompareAndSwap(taskIdle, taskRunning) }

// unclaim undoes claim for a task that was not started after all.
func (k *taskCore) unclaim() {
	releaseHandle(k.handle)
	k.release()
	k.state.Store(taskIdle)
}

// release frees the C++ proxy once the task is done.
func (k *taskCore) release() {
	if k.c != nil {
		C.gocoro_task_destroy(k.c)
		k.c = nil
	}
}

//export gocoroStep
func gocoroStep(h C.uintptr_t, op *C.gocoro_op) {
	handle(h).Value().(*taskCore).step(op, false)
}

// model is how the task's proxy reaches its body (GOCORO_TASK_* in cshim/task.h).
func (k *taskCore) model() C.int {
	switch {
	case k.gor == nil:
		return C.GOCORO_TASK_CALLBACK
	case k.gor.onGoroutine:
		return C.GOCORO_TASK_GOROUTINE
	default:
		return C.GOCORO_TASK_THREAD
	}
}

// runSteps runs, in order, the proxy steps a C call left to its caller (gocoro_step in cshim/task.h): a task body
// resumed inside the call (say by an unlock) runs on the calling goroutine until its next await, exactly as in a
// step callback, but outside the C call. A body that unlocks in turn hands its waiter to its own goroutine the same
// way, so a chain of hand-offs is a chain of goroutines waiting on channels, not of OS threads blocked in callbacks.
// A goroutine body's step is handed to that body's goroutine instead (it continues the proxy itself).
func runSteps(s *C.gocoro_step) { dispatchSteps(s, nil) }

// dispatchSteps is runSteps for a goroutine body (self) continuing its own proxy: its own step, if the list holds
// it (the await completed inside the call), is returned rather than handed over.
func dispatchSteps(s *C.gocoro_step, self *taskCore) (own *C.gocoro_step) {
	for s != nil {
		k := handle(s.handle).Value().(*taskCore)
		if k.gor == nil || !k.gor.onGoroutine {
			k.step(s.op, false)
			s = C.gocoro_step_continue(s)
			continue
		}
		// Taken out of the list: gocoro_step_continue(s) must not run the rest again. And s belongs to k's
		// goroutine once handed over.
		next := s.next
		s.next = nil
		if k == self {
			own = s
		} else {
			k.resumeOnGoroutine(s)
		}
		s = next
	}
	return own
}

// Task is a lazy coroutine whose body is Go code (coro::task<R>): nothing runs until it is awaited by another
// task (Await, WhenAll) or started by SyncWait. Inside the body, awaits (T.Schedule, Event.Await, Await, ...)
// are native libcoro awaits: they suspend the task and free the executor thread it was running on; it resumes
// on whatever thread completes the await. Between awaits the body runs on that thread, blocking it (NewTask) or
// on its goroutine alone (NewGoroutineTask; see the package documentation).
type Task[R any] struct {
	core *taskCore
	box  *result[R]
}

type result[R any] struct{ val R }

// AnyTask is any *Task[R], for WhenAll.
type AnyTask interface{ taskCore() *taskCore }

func (t *Task[R]) taskCore() *taskCore { return t.core }

// NewTask makes a task from body. A panic in body is returned as a *PanicError, a runtime.Goexit (t.FailNow of a
// testing.T, say) as ErrGoexit.
func NewTask[R any](body func(t *T) (R, error)) *Task[R] {
	startDeliverer() // the body's steps come through the completion queue
	a := &goTask[R]{body: body}
	a.gor.body = a
	a.core.gor = &a.gor
	return a.init()
}

// goTask is a task with a Go body, in one allocation with all its parts.
type goTask[R any] struct {
	taskAlloc[R]
	gor  goBody
	body func(t *T) (R, error)
}

func (a *goTask[R]) runBody(t *T) error {
	v, err := a.body(t)
	a.box.val = v
	return err
}

// taskAlloc puts a Task and its parts in one allocation; the inline body types embed it.
type taskAlloc[R any] struct {
	task Task[R]
	core taskCore
	box  result[R]
}

func (a *taskAlloc[R]) init() *Task[R] {
	a.task = Task[R]{core: &a.core, box: &a.box}
	return &a.task
}

// NewFunc makes a task whose body does not await anything (a leaf). It runs inline when a goroutine starts the
// task (Start, SyncWait: on that goroutine, no C++ at all), and otherwise on the executor thread that resumes it
// (after ScheduleTask), which runs fn on a guest goroutine and waits for it (a hand-off per call; per batch for
// leaves started on a ThreadPool). fn must not block for long: it occupies that thread. A panic in fn is the task's
// *PanicError, a runtime.Goexit its ErrGoexit.
func NewFunc[R any](fn func() (R, error)) *Task[R] {
	f := &funcTask[R]{fn: fn}
	f.core.inline = f
	return f.init()
}

type funcTask[R any] struct {
	taskAlloc[R]
	fn func() (R, error)
}

func (f *funcTask[R]) callsUser() bool { return true }

// leaf marks inline bodies that always finish in their first step.
type leaf interface{ leaf() }

func (f *funcTask[R]) leaf() {}

func (f *funcTask[R]) step(int64) (request, bool) {
	f.box.val, f.core.err = f.fn()
	return request{}, false
}

// Done reports whether the task has finished.
func (t *Task[R]) Done() bool { return t.core.state.Load() == taskDone }

// Result returns what the body returned, once Done; before that it returns ErrTaskNotDone.
func (t *Task[R]) Result() (R, error) {
	if !t.Done() {
		var zero R
		return zero, ErrTaskNotDone
	}
	return t.box.val, t.core.err
}

// Start runs the task on the calling goroutine's thread until its first suspension and returns; the task then
// finishes on whatever thread resumes it. A NewGoroutineTask's body starts on its goroutine and Start returns at
// once. Wait for it with SyncWait or poll Done. A task starts at most once.
func (t *Task[R]) Start() error {
	k := t.core
	if !k.state.CompareAndSwap(taskIdle, taskRunning) {
		return ErrTaskBusy
	}
	if k.inline != nil {
		if q, ok := k.inline.(queuedStarter); ok && q.startQueued() {
			return nil
		}
		return k.startInline()
	}
	if k.gor.onGoroutine {
		k.startOnGoroutine(nil)
		return nil
	}
	return k.startBody()
}

// startBody starts a goroutine body from Go: the body's goroutine runs while Start waits for its first await (a
// Go-to-Go hand-off, no cgo callback). A body that returns without awaiting never touches C++; otherwise the proxy is
// made to start with that first await, as for an inline body. The body's first step counts as running on the
// calling goroutine's thread (T.ThreadID), which Start keeps waiting meanwhile.
func (k *taskCore) startBody() error {
	g := k.gor
	g.started = true
	g.requests, g.results, g.finished = make(chan request, 1), make(chan stepResult, 1), make(chan struct{})
	go k.run(int(C.gocoro_thread_id()), nil)
	var r request
	select {
	case <-g.finished:
		k.markDone()
		return nil
	case r = <-g.requests:
	}
	if err := k.runFrom(r); err != nil {
		// The body already ran up to its first await: that await fails the task.
		g.results <- stepResult{abort: err}
		<-g.finished
		k.markDone()
		return k.err
	}
	return nil
}

// runFrom makes the task's C++ proxy and starts it with the body's first await r (the first step already ran in
// Go). The only failure is running out of memory, with nothing started.
func (k *taskCore) runFrom(r request) error {
	k.handle = newHandle(k)
	first := C.gocoro_op{kind: r.kind, target: r.target, arg: C.int64_t(r.arg), arg2: C.int64_t(r.arg2)}
	var steps *C.gocoro_step
	switch C.gocoro_task_run_from(C.uintptr_t(k.handle), k.model(), &first, &steps) {
	case C.GOCORO_OK, C.GOCORO_TASK_FINISHED:
		runSteps(steps)
		return nil
	default:
		releaseHandle(k.handle)
		return &opError{Op: "start", Obj: "task", Err: unix.ENOMEM}
	}
}

// startInline runs an inline body's first step right here on the calling goroutine (no cgo callback): a body that
// finishes without awaiting (a NewFunc) never touches C++; otherwise the proxy is made to start with that await.
func (k *taskCore) startInline() error {
	stepped := false
	defer func() {
		if !stepped { // runtime.Goexit in the first step (a NewFunc's fn): the task ends with that error
			k.err = ErrGoexit
			k.markDone()
		}
	}()
	r, more := k.stepInline(0)
	stepped = true
	if !more {
		k.markDone()
		return nil
	}
	if err := k.runFrom(r); err != nil {
		// The first step already ran: the task fails (its first await never happens).
		k.err = err
		k.markDone()
		return err
	}
	return nil
}

// SyncWait starts task on the calling goroutine's thread if nobody started it yet (it runs until its first
// suspension) and waits for it to finish. If ctx ends first SyncWait returns ctx.Err(); the task keeps running
// and its outcome stays available through Result. A finished task returns its stored result.
func SyncWait[R any](ctx context.Context, task *Task[R]) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil && !task.Done() {
		return zero, err
	}
	if task.core.state.Load() == taskIdle {
		if err := task.Start(); err != nil && err != ErrTaskBusy {
			return zero, err
		}
	}
	if task.Done() {
		return task.Result()
	}
	select {
	case <-task.core.doneChan():
		return task.Result()
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// Await runs child inside the task body t and returns its result. The child starts on the current thread
// (symmetric transfer: no queueing) and t resumes on the thread that finishes the child.
func Await[R any](t *T, child *Task[R]) (R, error) {
	if err := t.check(); err != nil {
		var zero R
		return zero, err
	}
	if !child.Done() {
		if err := child.core.claim(); err != nil {
			var zero R
			return zero, err
		}
		t.await(request{kind: C.GOCORO_OP_TASK, target: unsafe.Pointer(child.core.c)})
		child.core.release()
	}
	return child.Result()
}

// Schedule moves the task body onto ex (co_await ex.schedule()): the current thread is freed and the body
// continues on one of ex's threads. Fails with an error matching ErrClosed once ex is closed, and with one matching
// unix.ENOMEM if ex's queue cannot grow (the body then goes on where it was).
func (t *T) Schedule(ex Executor) error { return awaitSchedule(t, ex, false) }

// Yield re-queues the task behind the work already queued on ex (co_await ex.yield()).
func (t *T) Yield(ex Executor) error { return awaitSchedule(t, ex, true) }

func awaitSchedule(t *T, ex Executor, yield bool) error {
	if err := t.check(); err != nil {
		return err
	}
	r, finish, err := ex.scheduleRequest(yield)
	if err != nil {
		return err
	}
	return finish(t.await(r))
}
