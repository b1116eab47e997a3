package coro

// #include "cshim/task.h"
import "C"

import "unsafe"

// ScheduleTask returns a task that first moves onto ex and then runs task there (executor.schedule(task)). It is
// composed natively: no goroutine hand-off of its own.
func ScheduleTask[R any](ex Executor, task *Task[R]) *Task[R] {
	s := &scheduleTask[R]{ex: ex, child: task}
	s.core.inline = s
	return s.init()
}

// queuedStarter is an inline body that may start through an executor's run queue instead of a C++ proxy.
type queuedStarter interface {
	// canStartQueued reports whether startQueued would try the run queue (it may still fail: the pool closed).
	canStartQueued() bool
	startQueued() bool
	// markQueued makes the task run-queue work (started, on the pool already) without queueing it, for a caller that
	// queues or runs it itself (a forked join, task_fork.go); unmarkQueued undoes that if the pool refused it.
	markQueued() forkStep
	unmarkQueued()
}

func (s *scheduleTask[R]) canStartQueued() bool {
	_, ok := s.ex.(*ThreadPool)
	return ok && s.state == 0 && s.child.core.inline != nil
}

// startQueued submits a ScheduleTask of an inline child (a NewFunc leaf, typically) to a ThreadPool's run queue: it
// then runs in a batch with other Go work on a pool thread and needs no C++ proxy, handle or callback of its own. False
// (nothing changed) when that does not apply; the task then starts natively.
func (s *scheduleTask[R]) startQueued() bool {
	if !s.canStartQueued() {
		return false
	}
	if s.ex.(*ThreadPool).submit(s.markQueued()) != nil {
		s.unmarkQueued() // the native start reports the pool's state
		return false
	}
	return true
}

func (s *scheduleTask[R]) markQueued() forkStep {
	s.state, s.finish = 1, finishQueued
	return s
}

func (s *scheduleTask[R]) unmarkQueued() { s.state, s.finish = 0, nil }

// finishQueued ends the "schedule" of a task started through a run queue: it is on the pool already.
func finishQueued(int64) error { return nil }

// run continues a queued ScheduleTask on the pool thread: its child runs right here, and if it then awaits
// something natively, a C++ proxy takes over from that await. A Join whose children can all start through the run
// queue forks onto it instead (task_fork.go) and finishes this task when it is done; the child the fork hands back
// runs next, here, in a loop rather than a recursion (a tree's depth must not grow the stack).
func (s *scheduleTask[R]) run() {
	for q := s.step1(); q != nil; q = q.step1() {
	}
}

// forkStep is a queued ScheduleTask's own work, handing back a forked child to run next on the same thread, if any.
type forkStep interface {
	queued
	step1() forkStep
}

func (s *scheduleTask[R]) step1() forkStep {
	c := s.child.core
	if f, ok := c.inline.(forker); ok && f.canFork() && c.adopt() {
		c.then = s
		return f.fork(s.ex.(*ThreadPool))
	}
	_ = s.core.startInline()
	return nil
}

// childDone finishes a queued ScheduleTask whose Join forked (see run), with the join's outcome.
func (s *scheduleTask[R]) childDone() {
	s.box.val, s.core.err = s.child.Result()
	s.core.markDone()
}

// fail ends a queued ScheduleTask that the pool could not take after all.
func (s *scheduleTask[R]) fail(err error) {
	s.core.err = err
	s.core.markDone()
}

type scheduleTask[R any] struct {
	taskAlloc[R]
	ex     Executor
	child  *Task[R]
	state  int
	finish func(int64) error
}

// callsUser: only the states that step an adopted inline child may run user code.
func (s *scheduleTask[R]) callsUser() bool {
	switch s.state {
	case 1:
		return s.child.core.inline != nil && s.child.core.inline.callsUser()
	case 3:
		return s.child.core.inline.callsUser()
	}
	return false
}

func (s *scheduleTask[R]) step(res int64) (request, bool) {
	task := s.child
	switch s.state {
	case 0: // move onto ex
		r, finish, err := s.ex.scheduleRequest(false)
		if err != nil {
			s.core.err = err
			return request{}, false
		}
		s.state, s.finish = 1, finish
		return r, true
	case 1: // on ex now: run the child
		if err := s.finish(res); err != nil {
			s.core.err = err
			return request{}, false
		}
		if task.Done() {
			s.box.val, s.core.err = task.Result()
			return request{}, false
		}
		if task.core.inline != nil && task.core.adopt() {
			// An inline child runs inside this proxy: no proxy, handle or callback of its own.
			s.state = 3
			return stepAdopted(task, &s.box, &s.core, 0)
		}
		if err := task.core.claim(); err != nil {
			s.core.err = err
			return request{}, false
		}
		s.state = 2
		return request{kind: C.GOCORO_OP_TASK, target: unsafe.Pointer(task.core.c)}, true
	case 2: // the child finished
		task.core.release()
		s.box.val, s.core.err = task.Result()
		return request{}, false
	default: // an adopted child awaited something; continue it
		return stepAdopted(task, &s.box, &s.core, res)
	}
}

// stepAdopted advances an adopted inline child by one state inside its parent's proxy; once the child finishes, the
// parent finishes with the child's outcome.
func stepAdopted[R any](child *Task[R], box *result[R], parent *taskCore, res int64) (request, bool) {
	stepped := false
	defer func() {
		if !stepped { // runtime.Goexit in the child's step (stepInline recorded it): the child is over
			child.core.markDone()
		}
	}()
	r, more := child.core.stepInline(res)
	stepped = true
	if more {
		return r, true
	}
	child.core.markDone()
	box.val, parent.err = child.Result()
	return request{}, false
}
