package coro

/*
#include "cshim/queue.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"errors"
	"iter"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ErrEmpty is returned by Queue.TryPop when the queue holds nothing (queue_consume_result::empty).
var ErrEmpty = errors.New("coro: empty")

// ErrBusy is returned by Queue.TryPop when another thread held the queue's lock at that moment
// (queue_consume_result::try_lock_failure): nothing was taken, and a retry may succeed.
var ErrBusy = errors.New("coro: busy")

// Queue is an unbounded multi-producer multi-consumer FIFO queue (coro::queue<T>, libcoro v0.16) shared by task
// bodies and goroutines. Safe for concurrent use; Push, TryPop, Len, Empty, IsShutdown, Shutdown and Close may be
// called from goroutines and task bodies alike, Pop and ShutdownDrain block the calling goroutine (a task body
// uses AwaitPop and AwaitShutdownDrain instead, which suspend it natively).
//
// Values never enter C memory: the C++ queue<uint64_t> carries ids and the values wait in a Go map.
//
// As in libcoro, a Push that finds consumers waiting hands its value straight to the most recent one (waiters are
// served LIFO, values FIFO) and a task body waiting in AwaitPop resumes inline, before Push returns. Every goroutine
// blocked in Pop has its own native pop in the C++ queue. Cancelling a Pop:
//   - a value that arrived in the same instant as the cancellation is returned;
//   - otherwise the native pop stays queued (libcoro cannot unlink it) and is adopted by the next consumer
//     (goroutine or task body), which waits for its value before it takes anything from the queue; a value it
//     received with nobody waiting is kept Go-side and handed to the next consumer ahead of the queue's contents.
//     So no value is lost and FIFO order is kept.
//
// States (D19): running; draining (ShutdownDrain: pushes fail with ErrStopped, consumers still empty the queue);
// stopped (Shutdown, or the end of a drain: pushes and pops fail with ErrStopped, even while values remain, which
// Len still counts). After Close they fail with ErrClosed instead.
//
// The zero value is not usable; make one with NewQueue. Every method of a zero Queue fails with an error matching
// ErrInvalid (Len reports 0).
type Queue[V any] struct {
	c       *C.gocoro_queue
	life    lifetime
	closing atomic.Bool
	opSeq   atomic.Uint64 // numbers the native pops of goroutines in the order they were queued

	mu       sync.Mutex // guards values, nextID, draining, stopped, stash, orphans and the queueWaiters' state
	values   map[uint64]V
	nextID   uint64
	draining bool // ShutdownDrain began: pushes are refused Go-side (the C++ queue enters draining only with an executor)
	stopped  bool
	stash    []V               // values popped natively for consumers that gave up; served before the queue
	orphans  []*queueWaiter[V] // queued native pops nobody waits for, oldest first (see Pop)
}

type queueWaiter[V any] struct {
	ch        chan struct{}
	q         *Queue[V]
	seq       uint64 // when it was queued (q.opSeq)
	ev        *Event // adopted by a task body: set once done
	done      bool
	result    int64
	abandoned bool // nobody waits for the result any more (it may be adopted again)
}

// NewQueue makes an empty, running queue.
func NewQueue[V any]() *Queue[V] {
	c := C.gocoro_queue_create()
	if c == nil {
		panic("coro: out of memory")
	}
	q := &Queue[V]{c: c, values: map[uint64]V{}}
	q.life.Init(func() { C.gocoro_queue_destroy(c) })
	return q
}

func queueErr(op string, err error) error { return &opError{Op: op, Obj: "queue", Err: err} }

func (q *Queue[V]) stoppedErr(op string) error {
	if q.closing.Load() {
		return queueErr(op, ErrClosed)
	}
	return queueErr(op, ErrStopped)
}

// Len reports how many values the queue holds (a snapshot; values kept after Shutdown count). 0 after Close.
func (q *Queue[V]) Len() int {
	if !q.life.Valid() || !q.life.Enter() {
		return 0
	}
	n := int(C.gocoro_queue_size(q.c))
	q.life.Exit()
	q.mu.Lock()
	n += len(q.stash)
	q.mu.Unlock()
	return n
}

// Empty reports whether Len is 0.
func (q *Queue[V]) Empty() bool { return q.Len() == 0 }

// IsShutdown reports whether Shutdown, ShutdownDrain or Close has begun (true for the zero Queue).
func (q *Queue[V]) IsShutdown() bool {
	if !q.life.Valid() {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.draining || q.stopped
}

// Push appends v, or hands it to the most recent waiting consumer (a task body among them resumes inline on the
// calling goroutine before Push returns). It never blocks: the queue is unbounded. It fails with ErrStopped once the
// queue drains or is shut down (v is dropped).
func (q *Queue[V]) Push(v V) error {
	if err := q.life.ref(); err != nil {
		return queueErr("push", err)
	}
	q.mu.Lock()
	if q.draining || q.stopped {
		q.mu.Unlock()
		q.life.Exit()
		return q.stoppedErr("push")
	}
	q.nextID++
	id := q.nextID
	q.values[id] = v
	q.mu.Unlock()
	var steps *C.gocoro_step
	rc := C.gocoro_queue_push(q.c, C.uint64_t(id), &steps)
	q.life.Exit()
	runSteps(steps)
	if rc != C.GOCORO_QUEUE_DONE {
		q.take(id)
		return q.stoppedErr("push")
	}
	return nil
}

// take removes the value behind id; false if it is gone (the queue was closed).
func (q *Queue[V]) take(id uint64) (V, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	v, ok := q.values[id]
	delete(q.values, id)
	return v, ok
}

// TryPop takes the oldest value without waiting. It fails with ErrEmpty when there is none, ErrBusy when the
// queue's lock was held by another thread at that moment, and ErrStopped once the queue is shut down.
func (q *Queue[V]) TryPop() (V, error) {
	var zero V
	if err := q.life.ref(); err != nil {
		return zero, queueErr("try_pop", err)
	}
	if v, ok, stopped := q.takeStash(); ok || stopped {
		q.life.Exit()
		if stopped {
			return zero, q.stoppedErr("try_pop")
		}
		return v, nil
	}
	var id C.uint64_t
	rc := C.gocoro_queue_try_pop(q.c, &id)
	q.life.Exit()
	switch rc {
	case C.GOCORO_QUEUE_DONE:
		if v, ok := q.take(uint64(id)); ok {
			return v, nil
		}
		return zero, q.stoppedErr("try_pop")
	case C.GOCORO_QUEUE_STOPPED:
		return zero, q.stoppedErr("try_pop")
	case C.GOCORO_QUEUE_BUSY:
		return zero, queueErr("try_pop", ErrBusy)
	default:
		return zero, queueErr("try_pop", ErrEmpty)
	}
}

// takeStash returns the oldest kept value (ok), or stopped if the queue is shut down.
func (q *Queue[V]) takeStash() (v V, ok, stopped bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return v, false, true
	}
	if len(q.stash) > 0 {
		v = q.popStashLocked()
		return v, true, false
	}
	return v, false, false
}

func (q *Queue[V]) popStashLocked() V {
	v := q.stash[0]
	var zero V
	q.stash[0] = zero
	q.stash = q.stash[1:]
	return v
}

// Pop takes the oldest value, blocking while the queue is empty, until ctx ends. It fails with ErrStopped once the
// queue is shut down (even while values remain, as libcoro's pop does); while it drains, Pop still returns the
// remaining values. A value that arrives in the same instant as the cancellation is returned.
func (q *Queue[V]) Pop(ctx context.Context) (V, error) { return q.pop(ctx, nil) }

// pop is Pop for a goroutine (t nil: it blocks until ctx ends) and AwaitPop for a task body (t: it suspends).
func (q *Queue[V]) pop(ctx context.Context, t *T) (V, error) {
	var zero V
	if !q.life.Valid() {
		return zero, queueErr("pop", ErrInvalid)
	}
	v, ok, w, stopped := q.takeStashOrAdopt()
	if stopped {
		return zero, q.stoppedErr("pop")
	}
	if ok {
		return v, nil
	}
	var res int64
	switch {
	case w != nil && t != nil:
		res = q.awaitAdopted(t, w)
	case w != nil:
		// An earlier consumer's pop is queued ahead of any new one (or already has its value): it gets the next
		// value, so wait for it rather than take a later one from the queue.
		if res, ok = q.await(ctx, w); !ok {
			return zero, ctx.Err()
		}
	case !q.life.Enter():
		return zero, queueErr("pop", ErrClosed)
	case t != nil:
		res = t.await(request{kind: C.GOCORO_OP_QUEUE_POP, target: unsafe.Pointer(q.c)})
		q.life.Exit()
	default:
		var id C.uint64_t
		var p *C.gocoro_pending
		switch C.gocoro_queue_pop(q.c, &id, &p) {
		case C.GOCORO_QUEUE_DONE:
			q.life.Exit()
			res = int64(id)
		case C.GOCORO_QUEUE_STOPPED:
			q.life.Exit()
			res = -1
		default:
			w := &queueWaiter[V]{ch: make(chan struct{}), q: q, seq: q.opSeq.Add(1)}
			if res, ok = q.wait(ctx, w, p); !ok {
				return zero, ctx.Err()
			}
		}
	}
	if res < 0 {
		return zero, q.stoppedErr("pop")
	}
	if v, ok := q.take(uint64(res)); ok {
		return v, nil
	}
	return zero, q.stoppedErr("pop") // closed meanwhile: the values were dropped
}

// takeStashOrAdopt returns the oldest kept value (ok), else the orphaned pop that gets the next value: the most
// recently queued one, as libcoro hands values to waiting consumers most recent first. The caller then owns the
// orphan and must wait for it with await (or awaitAdopted).
func (q *Queue[V]) takeStashOrAdopt() (v V, ok bool, w *queueWaiter[V], stopped bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return v, false, nil, true
	}
	if len(q.stash) > 0 {
		return q.popStashLocked(), true, nil, false
	}
	if n := len(q.orphans); n > 0 {
		w = q.orphans[n-1]
		q.orphans[n-1] = nil
		q.orphans = q.orphans[:n-1]
		w.abandoned = false
	}
	return v, false, w, false
}

// orphanLocked records a pop nobody waits for any more, keeping q.orphans in queuing order.
func (q *Queue[V]) orphanLocked(w *queueWaiter[V]) {
	i := len(q.orphans)
	for i > 0 && q.orphans[i-1].seq > w.seq {
		i--
	}
	q.orphans = append(q.orphans, nil)
	copy(q.orphans[i+1:], q.orphans[i:])
	q.orphans[i] = w
}

func (q *Queue[V]) unorphanLocked(w *queueWaiter[V]) {
	for i, o := range q.orphans {
		if o == w {
			q.orphans = append(q.orphans[:i], q.orphans[i+1:]...)
			return
		}
	}
}

// wait binds a handle to the pending native pop and waits for its result (see await). The lifetime reference
// taken by the caller goes with the pop: complete drops it. Close needs no special case: it shuts the queue down,
// which finishes every pending pop (result -1).
func (q *Queue[V]) wait(ctx context.Context, w *queueWaiter[V], p *C.gocoro_pending) (int64, bool) {
	var res C.int64_t
	startDeliverer()
	h := newHandle(completer(w))
	if C.gocoro_pending_bind(p, C.uintptr_t(h), &res) != 0 {
		releaseHandle(h)
		q.life.Exit()
		return int64(res), true
	}
	return q.await(ctx, w)
}

// await waits for the result of the native pop behind w. ok is false when ctx ended first: the pop is orphaned,
// for the next consumer to adopt.
func (q *Queue[V]) await(ctx context.Context, w *queueWaiter[V]) (int64, bool) {
	select {
	case <-w.ch:
	case <-ctx.Done():
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if w.done {
		return w.result, true // finished in the same instant as the cancellation: report what happened
	}
	w.abandoned = true
	q.orphanLocked(w)
	return 0, false
}

// complete runs on the completion goroutine when a goroutine's native pop finished; it drops the pop's lifetime
// reference.
func (w *queueWaiter[V]) complete(result int64) {
	q := w.q
	q.mu.Lock()
	if !w.abandoned {
		w.done, w.result = true, result
		close(w.ch)
		ev := w.ev
		q.mu.Unlock()
		q.life.Exit()
		if ev != nil {
			// Not on the completion goroutine: Set runs the adopting task body inline.
			go func() { _ = ev.Set(LIFO) }()
		}
		return
	}
	q.unorphanLocked(w)
	if result > 0 {
		// Nobody took it: the next consumer gets it first (unless the queue is closed: nobody will).
		if v, ok := q.values[uint64(result)]; ok {
			delete(q.values, uint64(result))
			if !q.closing.Load() {
				q.stash = append(q.stash, v)
			}
		}
	}
	q.mu.Unlock()
	q.life.Exit()
}

// AwaitPop suspends the task body while the queue is empty, then takes the oldest value (co_await q.pop()). Errors
// as for Pop.
func (q *Queue[V]) AwaitPop(t *T) (V, error) {
	if err := t.check(); err != nil {
		var zero V
		return zero, err
	}
	return q.pop(nil, t)
}

// awaitAdopted suspends the task body until the orphaned pop w it adopted completes, on an event its completion
// sets (a task body may not block its thread on w.ch), and returns the result.
func (q *Queue[V]) awaitAdopted(t *T, w *queueWaiter[V]) int64 {
	q.mu.Lock()
	if !w.done {
		ev := NewEvent(false)
		w.ev = ev
		q.mu.Unlock()
		_ = ev.Await(t) // cannot fail: the event is only closed below
		_ = ev.Close()
		q.mu.Lock()
	}
	res := w.result
	q.mu.Unlock()
	return res
}

// All yields the values popped by Pop(ctx) until the queue is shut down or closed, ctx ends, or the loop breaks.
// Only the goroutine form: a task body loops over AwaitPop.
func (q *Queue[V]) All(ctx context.Context) iter.Seq[V] {
	return func(yield func(V) bool) {
		for {
			v, err := q.Pop(ctx)
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

// Shutdown stops the queue (once): every waiting consumer is resumed (task bodies inline on the calling goroutine)
// and fails with ErrStopped, and so do later pushes and pops. Values still stored are kept (Len counts them) but no
// longer delivered, as in libcoro.
func (q *Queue[V]) Shutdown() error {
	if err := q.life.ref(); err != nil {
		return queueErr("shutdown", err)
	}
	q.mu.Lock()
	q.stopped = true
	q.mu.Unlock()
	steps := C.gocoro_queue_shutdown(q.c)
	q.life.Exit()
	runSteps(steps)
	return nil
}

// drainPoll is how often ShutdownDrain looks whether the consumers emptied the queue (libcoro's shutdown_drain
// yields to its executor in a loop instead).
const drainPoll = time.Millisecond

// ShutdownDrain refuses further pushes (ErrStopped), waits until the consumers have emptied the queue or someone
// else shut it down, then shuts it down (see Shutdown). It only acts on a running queue: otherwise it returns nil
// at once. If ctx ends first it returns ctx.Err() and the queue stays draining (a later Shutdown ends it).
func (q *Queue[V]) ShutdownDrain(ctx context.Context) error {
	if !q.life.Valid() {
		return queueErr("shutdown_drain", ErrInvalid)
	}
	if !q.beginDrain() {
		return nil
	}
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for q.stillDraining() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return q.shutdownIfOpen("shutdown_drain")
}

// AwaitShutdownDrain is ShutdownDrain for a task body: it yields to ex (V.Yield) while the queue is not empty, as
// libcoro's co_await q.shutdown_drain(ex) does.
func (q *Queue[V]) AwaitShutdownDrain(t *T, ex Executor) error {
	if err := t.check(); err != nil {
		return err
	}
	if !q.life.Valid() {
		return queueErr("shutdown_drain", ErrInvalid)
	}
	if !q.beginDrain() {
		return nil
	}
	for q.stillDraining() {
		if err := t.Yield(ex); err != nil {
			return err
		}
	}
	return q.shutdownIfOpen("shutdown_drain")
}

// beginDrain reports whether this call starts the drain (the queue must be valid).
func (q *Queue[V]) beginDrain() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.draining || q.stopped || q.closing.Load() {
		return false
	}
	q.draining = true
	return true
}

func (q *Queue[V]) stillDraining() bool {
	q.mu.Lock()
	stopped := q.stopped
	q.mu.Unlock()
	return !stopped && !q.closing.Load() && q.Len() > 0
}

// shutdownIfOpen ends a drain; a queue closed meanwhile is already shut down.
func (q *Queue[V]) shutdownIfOpen(op string) error {
	if err := q.Shutdown(); err != nil && !errors.Is(err, ErrClosed) {
		return queueErr(op, err)
	}
	return nil
}

// Close shuts the queue down (waiting consumers get ErrClosed), drops the stored values and frees the C++ queue
// once no call is using it. Later operations fail with ErrClosed; later Close calls do nothing.
func (q *Queue[V]) Close() error {
	if !q.life.Valid() {
		return queueErr("close", ErrInvalid)
	}
	q.mu.Lock()
	if q.closing.Load() {
		q.mu.Unlock()
		return nil
	}
	q.closing.Store(true)
	q.stopped = true
	q.mu.Unlock()
	if q.life.Enter() {
		steps := C.gocoro_queue_shutdown(q.c) // pending pops finish (stopped) and see it closed
		q.life.Close()
		q.life.Exit()
		runSteps(steps)
	}
	q.mu.Lock()
	clear(q.values)
	q.stash = nil
	q.mu.Unlock()
	return nil
}
