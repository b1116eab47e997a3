package coro

/*
#include "cshim/ring_buffer.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

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
//   - Consume: a value that reaches a consumer that already gave up is not lost: it is kept Go-side and handed to
//     the next consumer (goroutine or task body) ahead of the buffer's contents, so FIFO order is kept;
//   - Produce: the value is withdrawn and the still-queued native operation carries a placeholder that consumers
//     skip.
type RingBuffer[V any] struct {
	c        *C.gocoro_ring_buffer
	capacity int
	life     lifetime
	closing  atomic.Bool

	mu     sync.Mutex // guards values, nextID, stash and the rbWaiters' state
	values map[uint64]*rbValue[V]
	nextID uint64
	stash  []V // values taken natively for consumers that gave up; served before the buffer
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
	done      bool
	result    int64
	abandoned bool
}

// NewRingBuffer makes a ring buffer holding up to capacity values. capacity must be 1..16 or a power of two up
// to 65536 (the instantiated template sizes); otherwise the error matches ErrInvalid.
func NewRingBuffer[V any](capacity int) (*RingBuffer[V], error) {
	if capacity <= 0 {
		return nil, &opError{Op: "create", Obj: "ring_buffer", Err: ErrInvalid}
	}
	c := C.gocoro_ring_buffer_create(C.size_t(capacity))
	if c == nil {
		return nil, &opError{Op: "create", Obj: "ring_buffer",
			Err: fmt.Errorf("%w: capacity %d: must be 1..16 or a power of two up to 65536", ErrInvalid, capacity)}
	}
	rb := &RingBuffer[V]{c: c, capacity: capacity, values: map[uint64]*rbValue[V]{}}
	rb.life.free = func() { C.gocoro_ring_buffer_destroy(c) }
	return rb, nil
}

func rbErr(op string, err error) error { return &opError{Op: op, Obj: "ring_buffer", Err: err} }

// Capacity reports the capacity given to NewRingBuffer.
func (rb *RingBuffer[V]) Capacity() int { return rb.capacity }

// Size reports how many values are stored (a snapshot). Placeholders of cancelled producers count until a
// consumer skips them. 0 after Close.
func (rb *RingBuffer[V]) Size() int {
	if !rb.life.enter() {
		return 0
	}
	n := int(C.gocoro_ring_buffer_size(rb.c))
	rb.life.exit()
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
// (gocoro's libcoro, see third_party/libcoro/COMPATIBILITY.md §35.9: v0.14 still stored into free space).
func (rb *RingBuffer[V]) NotifyWaiters() error {
	if !rb.life.enter() {
		return rbErr("notify_waiters", ErrClosed)
	}
	C.gocoro_ring_buffer_notify_waiters(rb.c)
	rb.life.exit()
	return nil
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

func (rb *RingBuffer[V]) takeStash() (V, bool) {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if len(rb.stash) == 0 {
		var zero V
		return zero, false
	}
	v := rb.stash[0]
	var zero V
	rb.stash[0] = zero
	rb.stash = rb.stash[1:]
	return v, true
}

func (rb *RingBuffer[V]) stoppedErr(op string) error {
	if rb.closing.Load() {
		return rbErr(op, ErrClosed)
	}
	return rbErr(op, ErrStopped)
}

// Produce stores v, blocking while the buffer is full, until ctx ends. It fails with ErrStopped after
// NotifyWaiters. Into free space (or straight to a waiting consumer) it costs one cgo call.
func (rb *RingBuffer[V]) Produce(ctx context.Context, v V) error {
	if !rb.life.enter() {
		return rbErr("produce", ErrClosed)
	}
	id := rb.newValue(v)
	var p *C.gocoro_pending
	var res int64
	switch C.gocoro_ring_buffer_produce(rb.c, C.uint64_t(id), &p) {
	case C.GOCORO_RB_DONE:
		rb.life.exit()
		return nil
	case C.GOCORO_RB_STOPPED:
		rb.life.exit()
		res = 1
	default:
		w := &rbWaiter[V]{waiter: waiter{ch: make(chan struct{})}, rb: rb, id: id}
		var ok bool
		if res, ok = rb.wait(ctx, w, p); !ok {
			return ctx.Err() // withdrawn
		}
	}
	if res != 0 {
		rb.take(id)
		return rb.stoppedErr("produce")
	}
	return nil
}

// Consume takes the oldest value, blocking while the buffer is empty, until ctx ends. After NotifyWaiters it
// still drains the stored values, then fails with ErrStopped. A value that arrives in the same instant as the cancellation is
// returned.
func (rb *RingBuffer[V]) Consume(ctx context.Context) (V, error) {
	var zero V
	for {
		if v, ok := rb.takeStash(); ok {
			return v, nil
		}
		if !rb.life.enter() {
			return zero, rbErr("consume", ErrClosed)
		}
		var id C.uint64_t
		var p *C.gocoro_pending
		var res int64
		switch C.gocoro_ring_buffer_consume(rb.c, &id, &p) {
		case C.GOCORO_RB_DONE:
			rb.life.exit()
			res = int64(id)
		case C.GOCORO_RB_STOPPED:
			rb.life.exit()
			res = -1
		default:
			w := &rbWaiter[V]{waiter: waiter{ch: make(chan struct{})}, rb: rb, consume: true}
			var ok bool
			if res, ok = rb.wait(ctx, w, p); !ok {
				return zero, ctx.Err()
			}
		}
		if res < 0 {
			return zero, rb.stoppedErr("consume")
		}
		if v, ok := rb.take(uint64(res)); ok {
			return v, nil
		}
		// A cancelled producer's placeholder: skip it.
	}
}

// wait binds a handle to the pending native operation and waits for its result. ok is false when ctx ended
// first: the operation is abandoned and finishes on its own (see complete). The lifetime reference taken by the
// caller is dropped here, or by complete once abandoned. Close needs no special case: it stops the buffer, which
// finishes every pending operation (result "stopped").
func (rb *RingBuffer[V]) wait(ctx context.Context, w *rbWaiter[V], p *C.gocoro_pending) (int64, bool) {
	var res C.int64_t
	startDrainer()
	h := newHandle(completer(w))
	if C.gocoro_pending_bind(p, C.uintptr_t(h), &res) != 0 {
		releaseHandle(h)
		rb.life.exit()
		return int64(res), true
	}
	select {
	case <-w.ch:
	case <-ctx.Done():
	}
	rb.mu.Lock()
	if w.done {
		rb.mu.Unlock()
		rb.life.exit()
		return w.result, true // finished in the same instant as the cancellation: report what happened
	}
	w.abandoned = true // the completion, still to come, drops the reference
	if !w.consume {
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

// complete runs on the drainer when a goroutine's native operation finished.
func (w *rbWaiter[V]) complete(result int64) {
	rb := w.rb
	rb.mu.Lock()
	if !w.abandoned {
		w.done, w.result = true, result
		close(w.ch)
		rb.mu.Unlock()
		return
	}
	switch {
	case w.consume && result > 0:
		// Nobody took it: the next consumer gets it first.
		if val, ok := rb.values[uint64(result)]; ok {
			delete(rb.values, uint64(result))
			if !val.dead {
				rb.stash = append(rb.stash, val.v)
			}
		}
	case !w.consume && result != 0:
		delete(rb.values, w.id) // stopped before the placeholder was stored
	}
	rb.mu.Unlock()
	rb.life.exit()
}

// AwaitProduce suspends the task body while the buffer is full, then stores v (co_await rb.produce(v)).
func (rb *RingBuffer[V]) AwaitProduce(t *T, v V) error {
	if err := t.check(); err != nil {
		return err
	}
	if !rb.life.enter() {
		return rbErr("produce", ErrClosed)
	}
	id := rb.newValue(v)
	res := t.await(request{kind: C.GOCORO_OP_RING_PRODUCE, target: unsafe.Pointer(rb.c), arg: int64(id)})
	rb.life.exit()
	if res != 0 {
		rb.take(id)
		return rb.stoppedErr("produce")
	}
	return nil
}

// AwaitConsume suspends the task body while the buffer is empty, then takes the oldest value
// (co_await rb.consume()).
func (rb *RingBuffer[V]) AwaitConsume(t *T) (V, error) {
	var zero V
	if err := t.check(); err != nil {
		return zero, err
	}
	for {
		if v, ok := rb.takeStash(); ok {
			return v, nil
		}
		if !rb.life.enter() {
			return zero, rbErr("consume", ErrClosed)
		}
		res := t.await(request{kind: C.GOCORO_OP_RING_CONSUME, target: unsafe.Pointer(rb.c)})
		rb.life.exit()
		if res < 0 {
			return zero, rb.stoppedErr("consume")
		}
		if v, ok := rb.take(uint64(res)); ok {
			return v, nil
		}
	}
}

// Close stops the buffer (waiting task bodies and goroutines get ErrClosed), drops the stored values and frees
// the C++ buffer once no call is using it. Later operations fail with ErrClosed; later Close calls do nothing.
func (rb *RingBuffer[V]) Close() error {
	rb.mu.Lock()
	if rb.closing.Load() {
		rb.mu.Unlock()
		return nil
	}
	rb.closing.Store(true)
	rb.mu.Unlock()
	if rb.life.enter() {
		C.gocoro_ring_buffer_notify_waiters(rb.c) // pending operations finish (stopped) and see the buffer closed
		rb.life.close()
		rb.life.exit()
	}
	rb.mu.Lock()
	clear(rb.values)
	rb.stash = nil
	rb.mu.Unlock()
	return nil
}
