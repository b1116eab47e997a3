package coro

/*
#include "cshim/event.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"reflect"
	"runtime"
	"sync"
	"unsafe"
)

// TaskGroup runs tasks and Go functions on one executor and lets task bodies and goroutines wait until all of them
// have finished, like sync.WaitGroup (coro::task_group<E>, libcoro v0.16). Safe for concurrent use.
//
// As in libcoro, the group counts what it started and keeps a native coro::event that is set while the count is
// zero: it starts set (HEAD semantics, D21: waiting on a group that never had a task returns at once), Start resets
// it when the count leaves zero, and the task or function that brings the count back to zero sets it, which resumes
// the task bodies waiting in Await inline on that thread. A group can become empty and busy again any number of
// times; a Wait that begins while it is empty returns at once, even if tasks are started right after.
//
// Errors and panics of the started tasks are not the group's: read them from the tasks themselves (Task.Result).
// Panics in functions started with Go are dropped, like those of Spawn.
//
// The zero value is not usable; make one with NewTaskGroup. Every method of a zero TaskGroup fails with an error
// matching ErrInvalid (Size reports 0).
type TaskGroup struct {
	ex   Executor
	ev   *C.gocoro_event
	life lifetime // one reference per cgo call, per waiting task body and per started task until it finishes

	mu     sync.Mutex // guards count, idle and closed, and orders the native event's set/reset with the count
	count  int
	idle   chan struct{} // closed when the count drops to zero (or on Close); replaced when it leaves zero
	closed bool
}

// NewTaskGroup makes an empty group that runs what it is given on ex (a *ThreadPool or *IOScheduler; otherwise
// the error matches ErrInvalid, as libcoro's constructor throws for a null executor).
func NewTaskGroup(ex Executor) (*TaskGroup, error) {
	if !validExecutor(ex) {
		return nil, invalidArg("NewTaskGroup", "executor must be a *ThreadPool or *IOScheduler")
	}
	c := C.gocoro_event_create(1)
	if c == nil {
		panic("coro: out of memory")
	}
	g := &TaskGroup{ex: ex, ev: c, idle: closedChan}
	g.life.Init(func() { C.gocoro_event_destroy(c) })
	return g, nil
}

func taskGroupErr(op string, err error) error { return &opError{Op: op, Obj: "task_group", Err: err} }

// Size reports how many started tasks and functions have not finished yet (0 for the zero TaskGroup).
func (g *TaskGroup) Size() int {
	if !g.life.Valid() {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count
}

// Empty reports whether Size is 0.
func (g *TaskGroup) Empty() bool { return g.Size() == 0 }

// add counts one more member; the caller then owes one done. It holds a lifetime reference until done.
func (g *TaskGroup) add(op string) error {
	if err := g.life.ref(); err != nil {
		return taskGroupErr(op, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		g.life.Exit()
		return taskGroupErr(op, ErrClosed)
	}
	g.count++
	if g.count == 1 {
		C.gocoro_event_reset(g.ev)
		g.idle = make(chan struct{})
	}
	return nil
}

// done uncounts a member; the last one sets the event, resuming the waiting task bodies on this goroutine.
func (g *TaskGroup) done() {
	var steps *C.gocoro_step
	g.mu.Lock()
	g.count--
	if g.count == 0 && !g.closed {
		// Under mu, so that a Start racing with this cannot reset the event before it is set.
		steps = C.gocoro_event_set(g.ev, C.int(LIFO))
		close(g.idle)
	}
	g.mu.Unlock()
	g.life.Exit()
	runSteps(steps)
}

// Start starts task on the group's executor (executor.resume: the task first moves onto one of its threads) and
// counts it until it finishes. It fails with ErrTaskBusy if task already ran or is running, with ErrClosed if the
// group or its executor is closed (then nothing runs and nothing is counted).
func (g *TaskGroup) Start(task AnyTask) error {
	// A typed nil (*Task[R])(nil) would crash in taskCore.
	if task == nil || reflect.ValueOf(task).IsNil() {
		return taskGroupErr("start", ErrInvalid)
	}
	if err := g.add("start"); err != nil {
		return err
	}
	child := task.taskCore()
	if err := child.claim(); err != nil {
		g.done()
		return taskGroupErr("start", err)
	}
	s := &groupStart{g: g, child: child}
	s.core.inline = s
	t := s.init()
	if err := t.Start(); err != nil {
		return err // cannot happen: t is new
	}
	if t.Done() {
		if _, err := t.Result(); err != nil {
			return err // the executor refused it (done and unclaim already happened)
		}
	}
	return nil
}

// groupStart moves a started member onto the group's executor, runs it there and uncounts it when it finishes. An
// inline body: no goroutine of its own, and it never runs user code itself.
type groupStart struct {
	taskAlloc[struct{}]
	g      *TaskGroup
	child  *taskCore
	state  int
	finish func(int64) error
}

func (s *groupStart) callsUser() bool { return false }

func (s *groupStart) step(res int64) (request, bool) {
	switch s.state {
	case 0: // move onto the executor
		r, finish, err := s.g.ex.scheduleRequest(false)
		if err != nil {
			s.refused(taskGroupErr("start", err))
			return request{}, false
		}
		s.state, s.finish = 1, finish
		return r, true
	case 1: // on the executor: run the member
		if err := s.finish(res); err != nil {
			s.refused(taskGroupErr("start", err))
			return request{}, false
		}
		s.state = 2
		return request{kind: C.GOCORO_OP_TASK, target: unsafe.Pointer(s.child.c)}, true
	default: // the member finished
		s.child.release()
		s.g.done()
		return request{}, false
	}
}

// refused undoes a start the executor did not take: the member is idle again and uncounted.
func (s *groupStart) refused(err error) {
	s.core.err = err
	s.child.unclaim()
	s.g.done()
}

// Go runs fn on one of the group's executor's threads (like Spawn) and counts it until it returns. It fails with
// ErrClosed if the group or its executor is closed.
func (g *TaskGroup) Go(fn func()) error {
	if fn == nil {
		return taskGroupErr("go", ErrInvalid)
	}
	if err := g.add("go"); err != nil {
		return err
	}
	if err := spawnOn(g.ex, func() {
		defer g.done()
		fn()
	}); err != nil {
		g.done()
		return taskGroupErr("go", err)
	}
	return nil
}

// Wait blocks the calling goroutine until the group is empty or ctx ends; at once if it is empty now.
func (g *TaskGroup) Wait(ctx context.Context) error {
	if !g.life.Valid() {
		return taskGroupErr("wait", ErrInvalid)
	}
	g.mu.Lock()
	idle, closed := g.idle, g.closed
	g.mu.Unlock()
	if closed {
		return taskGroupErr("wait", ErrClosed)
	}
	select {
	case <-idle:
	case <-ctx.Done():
		select {
		case <-idle: // emptied in the same instant: report it
		default:
			return ctx.Err()
		}
	}
	if g.isClosed() {
		return taskGroupErr("wait", ErrClosed)
	}
	return nil
}

// Await suspends the task body until the group is empty (co_await group); it does not suspend if it is empty now.
// The body resumes on the thread that finished the last member.
func (g *TaskGroup) Await(t *T) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := g.life.ref(); err != nil {
		return taskGroupErr("wait", err)
	}
	// The suspended body keeps its reference: Close sets the event, which resumes it, before it can be freed.
	t.await(request{kind: C.GOCORO_OP_EVENT, target: unsafe.Pointer(g.ev)})
	g.life.Exit()
	if g.isClosed() {
		return taskGroupErr("wait", ErrClosed)
	}
	return nil
}

func (g *TaskGroup) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// Close refuses further starts (ErrClosed) and releases every waiter with ErrClosed (task bodies resume inline on
// the calling goroutine). Members still running finish on their own; the native event is freed after the last of
// them. Unlike libcoro's destructor it does not wait for them: Wait first for that. Later Close calls do nothing.
func (g *TaskGroup) Close() error {
	if !g.life.Valid() {
		return taskGroupErr("close", ErrInvalid)
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	var steps *C.gocoro_step
	if g.count > 0 {
		steps = C.gocoro_event_set(g.ev, C.int(LIFO))
		close(g.idle)
	}
	g.mu.Unlock()
	g.life.Close()
	runSteps(steps)
	return nil
}

// SpawnJoinable starts task on ex now (executor.spawn_joinable(task)) and returns a task that finishes with task's
// result once task has finished: await it (Await, SyncWait) to join; the join resumes on the thread that finished
// task. Not awaiting the join is fine: nothing is leaked once it is unreachable. Fails like TaskGroup.Start
// (ErrTaskBusy, ErrClosed, ErrInvalid).
func SpawnJoinable[R any](ex Executor, task *Task[R]) (*Task[R], error) {
	if task == nil {
		return nil, invalidArg("SpawnJoinable", "task is nil")
	}
	g, err := NewTaskGroup(ex)
	if err != nil {
		return nil, err
	}
	if err := g.Start(task); err != nil {
		_ = g.Close()
		return nil, err
	}
	join := NewTask(func(t *T) (R, error) {
		defer g.Close()
		if err := g.Await(t); err != nil {
			var zero R
			return zero, err
		}
		return task.Result()
	})
	// A join nobody awaits cannot be awaited any more once unreachable: free the group's event then.
	runtime.AddCleanup(join, func(g *TaskGroup) { _ = g.Close() }, g)
	return join, nil
}
