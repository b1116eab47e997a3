package coro

/*
#include "cshim/ring_buffer.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ErrNotified is returned (wrapped) by a RingBuffer produce woken by NotifyProducers (its value was not stored) and
// by a consume woken by NotifyConsumers (it took nothing): libcoro v0.16's ring_buffer_result::produce/consume
// ::notified. The buffer stays open; the caller may try again.
var ErrNotified = errors.New("coro: notified")

// RingBuffer is a bounded multi-producer multi-consumer FIFO queue (coro::ring_buffer<element, N>) shared by task
// bodies and goroutines. Safe for concurrent use.
//
// Values never enter C memory: the C++ ring_buffer<uint64_t, N> carries ids and the values wait in a Go table.
// N is a C++ template argument, so the shim instantiates N = 1..16 and the powers of two 32..65536 and
// NewRingBuffer picks the one equal to the capacity asked for: the capacity is exactly libcoro's.
//
// A producer that finds a consumer waiting hands it the value directly and resumes it inline; a consumer that
// frees a slot while producers wait moves the most recent producer's value in and resumes that producer inline.
// Every goroutine blocked in Produce or Consume has its own native operation in the C++ buffer. Cancellation:
//   - an operation that completed in the same instant as the cancellation reports success (the value was stored,
//     or is returned);
//   - Consume: the native operation of a consumer that gave up stays queued in the C++ buffer (libcoro cannot
//     unlink it) and is adopted by the next consumer (goroutine or task body), which waits for its value before
//     it takes anything from the buffer; a value it received with nobody waiting is kept Go-side and handed to
//     the next consumer ahead of the buffer's contents. So FIFO order is kept;
//   - Produce: the value is withdrawn and the still-queued native operation carries a placeholder that consumers
//     skip.
//
// NotifyProducers / NotifyConsumers wake the native operations of cancelled callers too: a withdrawn produce's
// placeholder is then dropped, and an orphaned consume ends without a value (nobody adopts it any more), so
// neither leaves anything behind; a consumer that had adopted an orphaned consume is a waiting consumer and
// fails with ErrNotified.
//
// Stopping (libcoro v0.16's states running → draining → stopped): NotifyWaiters and Shutdown stop at once,
// ShutdownDrain (AwaitShutdownDrain in a task body) first refuses new produces and waits until the consumers have
// emptied the buffer. IsShutdown reports any of them.
//
// The zero value is not usable; make one with NewRingBuffer. Every method of a zero RingBuffer fails with an
// error matching ErrInvalid (Size and Capacity report 0).
type RingBuffer[V any] struct {
	c        *C.gocoro_ring_buffer
	capacity int
	life     lifetime
	closing  atomic.Bool
	stopped  atomic.Bool   // NotifyWaiters, Shutdown, Close or the end of a drain
	shut     atomic.Bool   // Shutdown: consumes fail even while values remain (v0.16)
	draining atomic.Bool   // ShutdownDrain: produces fail
	opSeq    atomic.Uint64 // numbers the native consume operations of goroutines in the order they were queued

	mu      sync.Mutex // guards values, nextID, stash, orphans and the rbWaiters' state
	values  map[uint64]*rbValue[V]
	nextID  uint64
	stash   []V            // values taken natively for consumers that gave up; served before the buffer
	orphans []*rbWaiter[V] // queued native consumes nobody waits for, oldest first (see Consume)
}

type rbValue[V any] struct {
	v    V
	dead bool // its producer gave up: consumers skip it
}

type rbWaiter[V any] struct {
	waiter
	rb        *RingBuffer[V]
	consume   bool
	id        uint64 // produce: the id produced
	seq       uint64 // consume: when it was queued (rb.opSeq)
	ev        *Event // consume adopted by a task body: set once done
	done      bool
	result    int64
	abandoned bool // nobody waits for the result any more (a consume may be adopted again)
}

// NewRingBuffer makes a ring buffer holding up to capacity values. capacity must be 1..16 or a power of two up
// to 65536 (the instantiated template sizes); otherwise the error matches ErrInvalid.
func NewRingBuffer[V any](capacity int) (*RingBuffer[V], error) {
	var c *C.gocoro_ring_buffer
	if capacity > 0 {
		c = C.gocoro_ring_buffer_create(C.size_t(capacity))
	}
	if c == nil {
		return nil, invalidArg("NewRingBuffer", "capacity must be 1..16 or a power of two up to 65536, got %d", capacity)
	}
	rb := &RingBuffer[V]{c: c, capacity: capacity, values: map[uint64]*rbValue[V]{}}
	rb.life.Init(func() { C.gocoro_ring_buffer_destroy(c) })
	return rb, nil
}

func rbErr(op string, err error) error { return &opError{Op: op, Obj: "ring_buffer", Err: err} }

// Capacity reports the capacity given to NewRingBuffer.
func (rb *RingBuffer[V]) Capacity() int { return rb.capacity }

// Size reports how many values are stored (a snapshot). Placeholders of cancelled producers count until a
// consumer skips them. 0 after Close.
func (rb *RingBuffer[V]) Size() int {
	if !rb.life.Valid() || !rb.life.Enter() {
		return 0
	}
	n := int(C.gocoro_ring_buffer_size(rb.c))
	rb.life.Exit()
	rb.mu.Lock()
	n += len(rb.stash)
	rb.mu.Unlock()
	return n
}

// Empty reports whether Size is 0.
func (rb *RingBuffer[V]) Empty() bool { return rb.Size() == 0 }

// NotifyWaiters stops the buffer (once): every waiting producer and then every waiting consumer is resumed
// (task bodies inline on the calling thread) and fails with ErrStopped. Afterwards every produce fails with
// ErrStopped, while consumers still drain the stored values and fail with ErrStopped once the buffer is empty
// (gocoro's libcoro, see third_party/libcoro/COMPATIBILITY.md, "ring_buffer after notify_waiters()": v0.14
// still stored into free space).
func (rb *RingBuffer[V]) NotifyWaiters() error {
	if err := rb.life.ref(); err != nil {
		return rbErr("notify_waiters", err)
	}
	rb.stopped.Store(true)
	steps := C.gocoro_ring_buffer_notify_waiters(rb.c)
	rb.life.Exit()
	runSteps(steps)
	return nil
}

// NotifyProducers wakes every producer waiting for room (task bodies inline on the calling thread, most recent
// first): its Produce / AwaitProduce fails with ErrNotified and its value is not stored. The buffer stays open
// (libcoro v0.16's notify_producers). Under the libcoro_external build tag (upstream v0.14's ring_buffer cannot do
// this) it fails with ErrNotSupported.
func (rb *RingBuffer[V]) NotifyProducers() error {
	return rb.notify("notify_producers", func(c *C.gocoro_ring_buffer) *C.gocoro_step {
		return C.gocoro_ring_buffer_notify_producers(c)
	})
}

// NotifyConsumers wakes every consumer waiting for a value (task bodies inline on the calling thread, most recent
// first): its Consume / AwaitConsume fails with ErrNotified. The buffer stays open (libcoro v0.16's
// notify_consumers). Under the libcoro_external build tag it fails with ErrNotSupported, as NotifyProducers.
func (rb *RingBuffer[V]) NotifyConsumers() error {
	return rb.notify("notify_consumers", func(c *C.gocoro_ring_buffer) *C.gocoro_step {
		return C.gocoro_ring_buffer_notify_consumers(c)
	})
}

// notify runs one of the v0.16 notify calls and then the task bodies it resumed.
func (rb *RingBuffer[V]) notify(op string, call func(*C.gocoro_ring_buffer) *C.gocoro_step) error {
	if err := rb.life.ref(); err != nil {
		return rbErr(op, err)
	}
	if C.gocoro_ring_buffer_can_notify() == 0 {
		rb.life.Exit()
		return rbErr(op, ErrNotSupported)
	}
	steps := call(rb.c)
	rb.life.Exit()
	runSteps(steps)
	return nil
}

// Shutdown stops the buffer now (libcoro v0.16's shutdown): like NotifyWaiters, every waiting producer and then
// every waiting consumer fails with ErrStopped, and so does every later produce; unlike NotifyWaiters, every
// later consume fails too, even while values remain (Size still counts them). A drain in progress ends.
func (rb *RingBuffer[V]) Shutdown() error {
	if err := rb.life.ref(); err != nil {
		return rbErr("shutdown", err)
	}
	rb.shut.Store(true)
	rb.stopped.Store(true)
	steps := C.gocoro_ring_buffer_notify_waiters(rb.c)
	rb.life.Exit()
	runSteps(steps)
	return nil
}

// IsShutdown reports whether the buffer is draining or stopped (NotifyWaiters, Shutdown, ShutdownDrain, Close).
func (rb *RingBuffer[V]) IsShutdown() bool {
	return rb.draining.Load() || rb.stopped.Load() || rb.closing.Load()
}

// ShutdownDrain stops the buffer once the consumers have emptied it (libcoro v0.16's shutdown_drain): from now on
// every produce fails with ErrStopped (producers waiting for room are woken with it: their values are not
// stored), consumes go on, and once Size is 0 the buffer is shut down as by Shutdown. It returns when the buffer
// is stopped, also when someone else stopped it meanwhile (Shutdown, NotifyWaiters; ErrClosed after Close). If
// ctx ends first it returns ctx.Err() and the buffer stays draining; ShutdownDrain or Shutdown may be called
// again. A produce racing with the start of the drain may still be stored; the drain then waits for it too.
// The wait polls Size with a short backoff (libcoro yields in a loop): consumes do not signal the ShutdownDrain caller.
// Under the libcoro_external build tag producers already waiting are not woken (upstream v0.14's ring_buffer
// cannot): they store their values once consumers make room, and the drain waits for those too.
// In a task body use AwaitShutdownDrain, which does not block the thread.
func (rb *RingBuffer[V]) ShutdownDrain(ctx context.Context) error {
	if err := rb.startDrain(); err != nil {
		return err
	}
	for delay := 50 * time.Microsecond; ; delay = min(2*delay, 10*time.Millisecond) {
		if done, err := rb.drainDone(); done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay): // an unfired time.After timer is collected (Go >= 1.23)
		}
	}
}

// AwaitShutdownDrain is ShutdownDrain for a task body (co_await rb.shutdown_drain(executor)): between checks the
// task yields on ex, so consumers on the same threads run.
func (rb *RingBuffer[V]) AwaitShutdownDrain(t *T, ex Executor) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := rb.startDrain(); err != nil {
		return err
	}
	for {
		if done, err := rb.drainDone(); done {
			return err
		}
		if err := t.Yield(ex); err != nil {
			return err
		}
	}
}

// startDrain moves a running buffer to draining and wakes the waiting producers (they report ErrStopped, see
// produceErr); a draining or stopped buffer is left as it is.
func (rb *RingBuffer[V]) startDrain() error {
	if err := rb.life.ref(); err != nil {
		return rbErr("shutdown_drain", err)
	}
	if rb.stopped.Load() || !rb.draining.CompareAndSwap(false, true) {
		rb.life.Exit()
		return nil
	}
	steps := C.gocoro_ring_buffer_notify_producers(rb.c)
	rb.life.Exit()
	runSteps(steps)
	return nil
}

// drainDone reports whether a drain is over: the buffer is stopped, or empty and now shut down.
func (rb *RingBuffer[V]) drainDone() (bool, error) {
	if rb.closing.Load() {
		return true, rbErr("shutdown_drain", ErrClosed)
	}
	if rb.stopped.Load() {
		return true, nil
	}
	if rb.Size() > 0 {
		return false, nil
	}
	if err := rb.Shutdown(); err != nil {
		return true, rbErr("shutdown_drain", ErrClosed)
	}
	return true, nil
}

func (rb *RingBuffer[V]) newValue(v V) uint64 {
	rb.mu.Lock()
	rb.nextID++
	id := rb.nextID
	rb.values[id] = &rbValue[V]{v: v}
	rb.mu.Unlock()
	return id
}

// take removes the value behind id; false if it is a placeholder (or the buffer was closed).
func (rb *RingBuffer[V]) take(id uint64) (V, bool) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	val, ok := rb.values[id]
	delete(rb.values, id)
	if !ok || val.dead {
		var zero V
		return zero, false
	}
	return val.v, true
}

func (rb *RingBuffer[V]) stoppedErr(op string) error {
	if rb.closing.Load() {
		return rbErr(op, ErrClosed)
	}
	return rbErr(op, ErrStopped)
}

// produceErr maps a native produce result (0 produced, 1 stopped, 2 notified) to the error; a producer woken by
// the start of a drain reports ErrStopped (libcoro v0.16.0 says produced, a quirk: the value was not stored).
func (rb *RingBuffer[V]) produceErr(res int64) error {
	switch {
	case res == 0:
		return nil
	case res == 2 && !rb.draining.Load() && !rb.stopped.Load() && !rb.closing.Load():
		return rbErr("produce", ErrNotified)
	default:
		return rb.stoppedErr("produce")
	}
}

// consumeErr maps a failed native consume (-1 stopped, -2 notified) to the error.
func (rb *RingBuffer[V]) consumeErr(res int64) error {
	if res == -2 && !rb.closing.Load() {
		return rbErr("consume", ErrNotified)
	}
	return rb.stoppedErr("consume")
}

// Produce stores v, blocking while the buffer is full, until ctx ends. It fails with ErrStopped once the buffer is
// shut down or draining, with ErrNotified when NotifyProducers wakes it. Into free space (or straight to a
// waiting consumer) it costs one cgo call.
func (rb *RingBuffer[V]) Produce(ctx context.Context, v V) error { return rb.produce(ctx, nil, v) }

// produce is Produce for a goroutine (t nil: it blocks until ctx ends) and AwaitProduce for a task body (t: it
// suspends).
func (rb *RingBuffer[V]) produce(ctx context.Context, t *T, v V) error {
	if err := rb.life.ref(); err != nil {
		return rbErr("produce", err)
	}
	if rb.draining.Load() {
		rb.life.Exit()
		return rb.stoppedErr("produce")
	}
	id := rb.newValue(v)
	var res int64
	if t != nil {
		res = t.await(request{kind: C.GOCORO_OP_RING_PRODUCE, target: unsafe.Pointer(rb.c), arg: int64(id)})
		rb.life.Exit()
	} else {
		var p *C.gocoro_pending
		var steps *C.gocoro_step
		switch C.gocoro_ring_buffer_produce(rb.c, C.uint64_t(id), &p, &steps) {
		case C.GOCORO_RB_DONE:
			rb.life.Exit()
			runSteps(steps) // a task body waiting in consume, resumed by this value
			return nil
		case C.GOCORO_RB_STOPPED:
			rb.life.Exit()
			res = 1
		default:
			w := &rbWaiter[V]{waiter: waiter{ch: make(chan struct{})}, rb: rb, id: id}
			var ok bool
			if res, ok = rb.wait(ctx, w, p); !ok {
				return ctx.Err() // withdrawn
			}
		}
	}
	if res != 0 {
		rb.take(id)
	}
	return rb.produceErr(res)
}

// Consume takes the oldest value, blocking while the buffer is empty, until ctx ends. After NotifyWaiters it
// still drains the stored values, then fails with ErrStopped; after Shutdown it fails with ErrStopped at once.
// NotifyConsumers makes it fail with ErrNotified. A value that arrives in the same instant as the cancellation
// is returned.
func (rb *RingBuffer[V]) Consume(ctx context.Context) (V, error) { return rb.consume(ctx, nil) }

// consume is Consume for a goroutine (t nil: it blocks until ctx ends) and AwaitConsume for a task body (t: it
// suspends).
func (rb *RingBuffer[V]) consume(ctx context.Context, t *T) (V, error) {
	var zero V
	if !rb.life.Valid() {
		return zero, rbErr("consume", ErrInvalid)
	}
	for {
		if rb.shut.Load() {
			return zero, rb.stoppedErr("consume")
		}
		v, ok, w := rb.takeStashOrAdopt()
		if ok {
			return v, nil
		}
		var res int64
		switch {
		case w != nil && t != nil:
			res = rb.awaitAdopted(t, w)
		case w != nil:
			// An earlier consumer's operation is queued ahead of any new one (or already has its value): it
			// gets the next value, so wait for it rather than take a later one from the buffer.
			if res, ok = rb.await(ctx, w); !ok {
				return zero, ctx.Err()
			}
		case !rb.life.Enter():
			return zero, rbErr("consume", ErrClosed)
		case t != nil:
			res = t.await(request{kind: C.GOCORO_OP_RING_CONSUME, target: unsafe.Pointer(rb.c)})
			rb.life.Exit()
		default:
			var id C.uint64_t
			var p *C.gocoro_pending
			var steps *C.gocoro_step
			switch C.gocoro_ring_buffer_consume(rb.c, &id, &p, &steps) {
			case C.GOCORO_RB_DONE:
				rb.life.Exit()
				runSteps(steps) // a task body waiting in produce, resumed by the freed slot
				res = int64(id)
			case C.GOCORO_RB_STOPPED:
				rb.life.Exit()
				res = -1
			default:
				w := &rbWaiter[V]{waiter: waiter{ch: make(chan struct{})}, rb: rb, consume: true, seq: rb.opSeq.Add(1)}
				if res, ok = rb.wait(ctx, w, p); !ok {
					return zero, ctx.Err()
				}
			}
		}
		if res < 0 {
			return zero, rb.consumeErr(res)
		}
		if v, ok := rb.take(uint64(res)); ok {
			return v, nil
		}
		// A cancelled producer's placeholder: skip it.
	}
}

// takeStashOrAdopt returns the oldest kept value (ok), else the orphaned consume that gets the next value: the
// most recently queued one, as libcoro hands values to waiting consumers most recent first. The caller now owns
// the orphan and must wait for it with await.
func (rb *RingBuffer[V]) takeStashOrAdopt() (v V, ok bool, w *rbWaiter[V]) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if len(rb.stash) > 0 {
		v = rb.stash[0]
		var zero V
		rb.stash[0] = zero
		rb.stash = rb.stash[1:]
		return v, true, nil
	}
	if n := len(rb.orphans); n > 0 {
		w = rb.orphans[n-1]
		rb.orphans[n-1] = nil
		rb.orphans = rb.orphans[:n-1]
		w.abandoned = false
	}
	return v, false, w
}

// orphanLocked records a consume nobody waits for any more, keeping rb.orphans in queuing order.
func (rb *RingBuffer[V]) orphanLocked(w *rbWaiter[V]) {
	i := len(rb.orphans)
	for i > 0 && rb.orphans[i-1].seq > w.seq {
		i--
	}
	rb.orphans = append(rb.orphans, nil)
	copy(rb.orphans[i+1:], rb.orphans[i:])
	rb.orphans[i] = w
}

func (rb *RingBuffer[V]) unorphanLocked(w *rbWaiter[V]) {
	for i, o := range rb.orphans {
		if o == w {
			rb.orphans = append(rb.orphans[:i], rb.orphans[i+1:]...)
			return
		}
	}
}

// wait binds a handle to the pending native operation and waits for its result (see await). The lifetime
// reference taken by the caller goes with the operation: complete drops it. Close needs no special case: it
// stops the buffer, which finishes every pending operation (result "stopped").
func (rb *RingBuffer[V]) wait(ctx context.Context, w *rbWaiter[V], p *C.gocoro_pending) (int64, bool) {
	var res C.int64_t
	startDeliverer()
	h := newHandle(completer(w))
	if C.gocoro_pending_bind(p, C.uintptr_t(h), &res) != 0 {
		releaseHandle(h)
		rb.life.Exit()
		return int64(res), true
	}
	return rb.await(ctx, w)
}

// await waits for the result of the native operation behind w. ok is false when ctx ended first: the operation
// is abandoned and finishes on its own (see complete), or, for a consume, is adopted by the next consumer.
func (rb *RingBuffer[V]) await(ctx context.Context, w *rbWaiter[V]) (int64, bool) {
	select {
	case <-w.ch:
	case <-ctx.Done():
	}
	rb.mu.Lock()
	if w.done {
		rb.mu.Unlock()
		return w.result, true // finished in the same instant as the cancellation: report what happened
	}
	w.abandoned = true
	if w.consume {
		rb.orphanLocked(w)
	} else {
		val, ok := rb.values[w.id]
		if !ok {
			// A consumer already took it: it was produced, only the completion had not arrived yet.
			rb.mu.Unlock()
			return 0, true
		}
		// Withdraw the value; the queued native produce now carries a placeholder.
		var zero V
		val.v, val.dead = zero, true
	}
	rb.mu.Unlock()
	return 0, false
}

// complete runs on the completion goroutine when a goroutine's native operation finished; it drops the operation's lifetime
// reference.
func (w *rbWaiter[V]) complete(result int64) {
	rb := w.rb
	rb.mu.Lock()
	if !w.abandoned {
		w.done, w.result = true, result
		close(w.ch)
		ev := w.ev
		rb.mu.Unlock()
		rb.life.Exit()
		if ev != nil {
			// Not on the completion goroutine: Set runs the adopting task body inline.
			go func() { _ = ev.Set(LIFO) }()
		}
		return
	}
	switch {
	case w.consume:
		rb.unorphanLocked(w)
		if result <= 0 {
			break
		}
		// Nobody took it: the next consumer gets it first (unless the buffer is closed: nobody will).
		if val, ok := rb.values[uint64(result)]; ok {
			delete(rb.values, uint64(result))
			if !val.dead && !rb.closing.Load() {
				rb.stash = append(rb.stash, val.v)
			}
		}
	case !w.consume && result != 0:
		delete(rb.values, w.id) // stopped before the placeholder was stored
	}
	rb.mu.Unlock()
	rb.life.Exit()
}

// AwaitProduce suspends the task body while the buffer is full, then stores v (co_await rb.produce(v)). Errors
// as for Produce.
func (rb *RingBuffer[V]) AwaitProduce(t *T, v V) error {
	if err := t.check(); err != nil {
		return err
	}
	return rb.produce(nil, t, v)
}

// AwaitConsume suspends the task body while the buffer is empty, then takes the oldest value
// (co_await rb.consume()). Errors as for Consume.
func (rb *RingBuffer[V]) AwaitConsume(t *T) (V, error) {
	if err := t.check(); err != nil {
		var zero V
		return zero, err
	}
	return rb.consume(nil, t)
}

// awaitAdopted suspends the task body until the orphaned consume w it adopted completes, on an event its
// completion sets (a task body may not block its thread on w.ch), and returns the result.
func (rb *RingBuffer[V]) awaitAdopted(t *T, w *rbWaiter[V]) int64 {
	rb.mu.Lock()
	if !w.done {
		ev := NewEvent(false)
		w.ev = ev
		rb.mu.Unlock()
		_ = ev.Await(t) // cannot fail: the event is only closed below
		_ = ev.Close()
		rb.mu.Lock()
	}
	res := w.result
	rb.mu.Unlock()
	return res
}

// Close stops the buffer (waiting task bodies and goroutines get ErrClosed), drops the stored values and frees
// the C++ buffer once no call is using it. Later operations fail with ErrClosed; later Close calls do nothing.
func (rb *RingBuffer[V]) Close() error {
	if !rb.life.Valid() {
		return rbErr("close", ErrInvalid)
	}
	rb.mu.Lock()
	if rb.closing.Load() {
		rb.mu.Unlock()
		return nil
	}
	rb.closing.Store(true)
	rb.stopped.Store(true)
	rb.mu.Unlock()
	if rb.life.Enter() {
		steps := C.gocoro_ring_buffer_notify_waiters(rb.c) // pending operations finish (stopped), see it closed
		rb.life.Close()
		rb.life.Exit()
		runSteps(steps)
	}
	rb.mu.Lock()
	clear(rb.values)
	rb.stash = nil
	rb.mu.Unlock()
	return nil
}
