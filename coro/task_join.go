//go:build cgo

package coro

import (
	"runtime/debug"
	"slices"
)

// Join returns a task that awaits every child (when_all) and then runs combine on their results, on the thread that
// finished the last child (composed natively). If that is an executor thread, combine runs on a guest goroutine
// while it waits (one hand-off; see the package documentation). A child's error fails the join without calling
// combine; a panic in combine is the join's *PanicError, a runtime.Goexit its ErrGoexit, a nil child ErrInvalid.
// Children that are all plain NewFunc leaves are run by the join itself, in order, where it starts (no C++ proxy
// each). A ScheduleTask(pool, Join) started from Go whose children are all ScheduleTasks of NewFunc leaves or Joins
// (or JoinFuncs) forks onto the pool's run queue instead: no C++ at all, combine queued there after the last child
// (see task_fork.go).
func Join[R, S any](children []*Task[R], combine func(results []R) (S, error)) *Task[S] {
	j := &joinTask[R, S]{children: children, combine: combine}
	if slices.Contains(children, nil) {
		// Reported when the join starts (ErrInvalid), where JoinFunc checks the children it makes.
		j.children, j.makeChildren = nil, func() []*Task[R] { return children }
	}
	j.core.inline = j
	return j.init()
}

// JoinFunc is Join with children made by children() when the join starts, once, on the thread that starts it (for
// ScheduleTask(pool, JoinFunc(...)): a pool thread). A recursive fork-join tree made of JoinFunc nodes then unfolds
// as it runs, each node making its own children on the pool, depth first, as goroutines spawning goroutines do;
// with Join the whole tree is built up front on the goroutine that creates it. A panic in children is the join's
// *PanicError, a runtime.Goexit its ErrGoexit, a nil child ErrInvalid; combine is then not called.
func JoinFunc[R, S any](children func() []*Task[R], combine func(results []R) (S, error)) *Task[S] {
	if children == nil {
		children = func() []*Task[R] { return []*Task[R]{nil} } // ErrInvalid when the join starts
	}
	j := &joinTask[R, S]{makeChildren: children, combine: combine}
	j.core.inline = j
	return j.init()
}

type joinTask[R, S any] struct {
	taskAlloc[S]
	children     []*Task[R]
	makeChildren func() []*Task[R] // JoinFunc's, until it has run (see makeChildrenNow)
	combine      func(results []R) (S, error)
	started      bool
	run          []*taskCore
	forked       forkState // when the children run through a pool's run queue (task_fork.go)
}

// callsUser: the first step only starts the children (unless it runs them itself: leavesOnly); the second runs
// combine.
func (j *joinTask[R, S]) callsUser() bool {
	return j.makeChildren != nil || j.started || j.leavesOnly()
}

// makeChildrenNow runs a JoinFunc's children function (once; a Join's children are given) and reports whether the
// join can go on; if not, the join's error is recorded. A runtime.Goexit in it records ErrGoexit and goes on
// unwinding the caller.
func (j *joinTask[R, S]) makeChildrenNow() (ok bool) {
	mk := j.makeChildren
	if mk == nil {
		return true
	}
	j.makeChildren = nil
	returned := false
	defer func() {
		if returned {
			return
		}
		if p := recover(); p != nil {
			j.core.err = &PanicError{Value: p, Stack: debug.Stack()}
		} else {
			j.core.err = ErrGoexit
		}
	}()
	j.children = mk()
	returned = true
	for _, c := range j.children {
		if c == nil {
			j.core.err = &opError{Op: "join", Obj: "task", Err: ErrInvalid}
			return false
		}
	}
	return true
}

// leavesOnly reports whether every unfinished child is an idle leaf (NewFunc). The join then runs them itself, in
// order, in its first step — what when_all does on the thread that starts it — without a C++ proxy and a callback
// (on an executor thread: a guest goroutine) each.
func (j *joinTask[R, S]) leavesOnly() bool {
	for _, c := range j.children {
		if c.Done() {
			continue
		}
		if _, ok := c.core.inline.(leaf); !ok || c.core.state.Load() != taskIdle {
			return false
		}
	}
	return true
}

// runLeaf runs an adopted leaf task to its end.
func runLeaf(k *taskCore) {
	defer k.markDone() // also after a runtime.Goexit in it, which stepInline recorded
	k.stepInline(0)
}

func (j *joinTask[R, S]) step(int64) (request, bool) {
	if !j.started && !j.makeChildrenNow() {
		return request{}, false
	}
	if !j.started && j.leavesOnly() {
		j.started = true
		for _, c := range j.children {
			if c.Done() {
				continue
			}
			if !c.core.adopt() { // claimed elsewhere meanwhile (awaited twice)
				j.core.err = ErrTaskBusy
				return request{}, false
			}
			runLeaf(c.core)
		}
	}
	if !j.started {
		j.started = true
		for _, c := range j.children {
			if c.Done() {
				continue
			}
			if err := c.core.claim(); err != nil {
				for _, r := range j.run {
					r.unclaim()
				}
				j.core.err = err
				return request{}, false
			}
			j.run = append(j.run, c.core)
		}
		if len(j.run) > 0 {
			return whenAllRequest(j.run), true
		}
	}
	for _, k := range j.run {
		k.release()
	}
	results := make([]R, len(j.children))
	for i, c := range j.children {
		v, err := c.Result()
		if err != nil {
			j.core.err = err
			return request{}, false
		}
		results[i] = v
	}
	j.box.val, j.core.err = j.combine(results)
	return request{}, false
}
