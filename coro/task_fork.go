//go:build cgo

package coro

import "sync/atomic"

// A fork-join tree of ScheduleTask(pool, Join(children, combine)) nodes over ScheduleTask(pool, NewFunc(fn)) leaves,
// started from Go (Start, SyncWait), runs on the pool's run queue (runQueue) without C++ at all: a queued node whose
// Join's children can all start through the run queue too forks them there, and the last child to finish queues the
// join's combine. Both go on the run queue's stack (runQueue.next), as a C++ worker's own schedules go on its deque:
// the combine runs next, about where when_all would resume its awaiter (the thread that finished the last child),
// and the tree runs depth first. So every fn and combine runs on a drainer, which runs many of them on one guest
// goroutine (guest.go), instead of each paying a C++ proxy, a callback and a guest of its own. Each still runs on a
// pool thread (the guest of one), combine after the join's last child, and runtime.Goexit in either is that task's
// ErrGoexit.

// doneWaiter is told when a task it waits for is done (taskCore.then).
type doneWaiter interface{ childDone() }

// forker is an inline body (Join) that can start its children through a pool's run queue and be resumed there.
type forker interface {
	// canFork reports whether fork applies: the body has not started and every unfinished child is an idle task
	// that can start through a run queue.
	canFork() bool
	// fork starts the children through the run queue; the body then finishes (calls markDone) once they are done.
	// It hands back one child, which the caller must run next on its thread (nil: none).
	fork(p *ThreadPool) forkStep
}

// forkState is the part of a Join that forked.
type forkState struct {
	pool    *ThreadPool
	pending atomic.Int32 // children still running, plus one while fork starts them
}

func (j *joinTask[R, S]) canFork() bool {
	if j.started {
		return false
	}
	// A JoinFunc's children are not known yet: fork makes them, and starts the join natively if they cannot fork.
	return j.makeChildren != nil || j.childrenCanFork()
}

// childrenCanFork reports whether every unfinished child is an idle task that can start through a run queue.
func (j *joinTask[R, S]) childrenCanFork() bool {
	for _, c := range j.children {
		if c.Done() {
			continue
		}
		q, ok := c.core.inline.(queuedStarter)
		if !ok || c.core.state.Load() != taskIdle || !q.canStartQueued() {
			return false
		}
	}
	return true
}

func (j *joinTask[R, S]) fork(p *ThreadPool) forkStep {
	if j.makeChildren != nil {
		if !j.makeChildrenForFork() {
			return nil
		}
		if !j.childrenCanFork() {
			// Some child needs a C++ proxy (a NewTask body, say): the join starts natively, right here, and
			// finishes its ScheduleTask through then when it is done.
			_ = j.core.startInline()
			return nil
		}
	}
	j.started, j.forked.pool = true, p
	var startBuf [8]*taskCore // most joins have few children: no allocation for the list
	start := startBuf[:0]
	for _, c := range j.children {
		if c.Done() {
			continue
		}
		if !c.core.state.CompareAndSwap(taskIdle, taskRunning) { // claimed elsewhere meanwhile (awaited twice)
			for _, k := range start {
				k.state.Store(taskIdle) // not started yet: nothing to undo but the claim
			}
			j.core.err = ErrTaskBusy
			j.core.markDone()
			return nil
		}
		start = append(start, c.core)
	}
	j.forked.pending.Store(int32(len(start)) + 1)
	// The last child would be the top of the stack, taken next by this very thread: it runs here instead (handed
	// back), and the others go on the stack in one push. As Start does: a pool that no longer takes work fails them
	// natively (ErrClosed).
	var buf [8]queued
	rest := buf[:0]
	var next forkStep
	for i, k := range start {
		k.then = j
		if s := k.inline.(queuedStarter).markQueued(); i == len(start)-1 {
			next = s
		} else {
			rest = append(rest, s)
		}
	}
	if p.enqueue(true, rest...) != nil {
		for _, k := range start {
			k.inline.(queuedStarter).unmarkQueued()
			_ = k.startInline()
		}
		next = nil
	}
	j.childDone()
	return next
}

// makeChildrenForFork makes a JoinFunc's children where it forks; if that fails (a panic or runtime.Goexit in
// children, a nil child) the join is done with that error.
func (j *joinTask[R, S]) makeChildrenForFork() (ok bool) {
	defer func() {
		if !ok {
			j.started = true
			j.core.markDone()
		}
	}()
	return j.makeChildrenNow()
}

// childDone counts a finished child; after the last one, the join's combine is queued on the pool, to run next.
func (j *joinTask[R, S]) childDone() {
	if j.forked.pending.Add(-1) != 0 {
		return
	}
	if err := j.forked.pool.enqueue(true, joinResume[R, S]{j}); err != nil {
		joinResume[R, S]{j}.fail(err)
	}
}

// joinResume is a forked Join's second step as run-queue work.
type joinResume[R, S any] struct{ j *joinTask[R, S] }

func (r joinResume[R, S]) run() {
	k := &r.j.core
	defer k.markDone() // also after a runtime.Goexit in combine, which stepInline recorded
	k.stepInline(0)
}

// fail runs the join's combine anyway when the pool no longer takes work (it is closing): the children are done,
// and a when_all would resume its awaiter on the thread that finished the last one. It runs on a guest goroutine,
// as it would on the pool.
func (r joinResume[R, S]) fail(error) { runGuest(r.run) }
