package coro

// #include "cshim/thread_pool.h"
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// runQueue batches Go work bound for one ThreadPool: Spawn and Schedule functions and leaf tasks started with
// ScheduleTask(pool, NewFunc(...)).Start(). Submitting appends to a Go queue; the pool runs drainers, each a single
// pool task (one C→Go callback) that runs queued work until the queue is empty. So a busy pool pays one callback, one
// C++ task and one handle per batch instead of per function, and submitting while a drainer runs costs no cgo call.
//
// Work still runs on the pool's threads, one item per thread at a time, in submission order (FIFO across the
// drainers). At most one drainer per pool thread exists, so a pool of N threads still runs N items in parallel. A
// drainer hands its thread back to the pool after drainerSlice if native tasks wait for one (re-queueing itself
// behind them), so long Go functions cannot starve native tasks queued on the same pool.
//
// Work that drainers queue for themselves (a forked join's children and its combine, task_fork.go) goes on a stack
// instead, taken before the FIFO, most recent first: what the C++ pool does with tasks its own workers schedule
// (their local deque). A fork-join tree then runs depth first, on the tasks just made and still in cache; in FIFO
// order it ran breadth first over the whole tree, which cost about 0.8 µs more per task (issue 12).
type runQueue struct {
	mu sync.Mutex
	// pushes counts pushes to the FIFO (written under mu, read without it), so that a drainer about to retire can
	// watch for new work without taking the lock (lingerForWork). Drainers' own pushes (a fork's children) do not
	// count: a second drainer lingering for those would take the top of the forking drainer's stack, the task it was
	// about to run in cache, and a fork-join tree ran 5 % slower.
	pushes atomic.Uint64
	// lingering is set while a drainer lingers (one at a time: two lingering drainers could hold every P and keep
	// the producer they wait for off the CPUs). A push that would start a drainer clears it instead: the lingering
	// drainer takes that item, and no activation is spent on a second drainer.
	lingering atomic.Bool
	items     []queued // FIFO: items[head:] are waiting
	head      int
	next      []queued // LIFO: queued by drainers for themselves, taken before items; the top is last
	drainers  int      // drainers queued on or running in the pool
	max       int      // pool thread count
	// spawned counts drainers handed to the C++ pool that have not started yet (gocoroRun counts them off): the
	// pool's queue minus these is the native work waiting for a thread (see drainer.run).
	spawned atomic.Int64
}

// queued is one piece of Go work submitted to an executor.
type queued interface {
	// run does the work on an executor thread.
	run()
	// fail reports that the work will never run (the executor could not take it after all).
	fail(err error)
}

const drainerSlice = 200 * time.Microsecond

// push appends qs to the FIFO, or with next puts them on top of the stack of work that drainers queued for
// themselves (the last one on top); it reports whether the caller must start a drainer (and then counts it as
// started).
func (r *runQueue) push(next bool, qs ...queued) (startDrainer bool) {
	r.mu.Lock()
	if next {
		r.next = append(r.next, qs...)
	} else {
		if r.head > 0 && r.head == len(r.items) {
			r.items, r.head = r.items[:0], 0
		}
		r.items = append(r.items, qs...)
	}
	if !next {
		r.pushes.Add(1)
	}
	if r.drainers < r.max && !r.lingering.CompareAndSwap(true, false) {
		r.drainers++
		startDrainer = true
	}
	r.mu.Unlock()
	return startDrainer
}

// take removes the top of the stack, or else the oldest item. At nil with retire it also retires the calling drainer,
// under the same lock as push's check, so an item pushed afterwards always gets a drainer of its own. One item at a time, never
// a batch: an item that blocks its thread (waiting for a later item, say) must not hold others back from the pool's
// other threads.
func (r *runQueue) take(retire bool) queued {
	r.mu.Lock()
	if n := len(r.next) - 1; n >= 0 {
		q := r.next[n]
		r.next[n] = nil
		r.next = r.next[:n]
		r.mu.Unlock()
		return q
	}
	if r.head == len(r.items) {
		if retire {
			r.drainers--
		}
		r.mu.Unlock()
		return nil
	}
	q := r.items[r.head]
	r.items[r.head] = nil // let the garbage collector have finished work
	r.head++
	r.mu.Unlock()
	return q
}

// drainerLost retires a drainer that could not be started. If it was the last one, the waiting items can never run:
// they are taken out and returned to be failed.
func (r *runQueue) drainerLost() []queued {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drainers--
	if r.drainers > 0 {
		return nil
	}
	lost := append(append([]queued(nil), r.items[r.head:]...), r.next...)
	clear(r.items)
	clear(r.next)
	r.items, r.head, r.next = r.items[:0], 0, r.next[:0]
	return lost
}

// len reports how many items are waiting.
func (r *runQueue) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.items) - r.head + len(r.next)
}

// drainer runs a pool's queued work on one pool thread; it is a runner spawned as a pool task. It carries the C
// pool itself because ThreadPool.tp is cleared by Close, after the pool's threads (and so every drainer) finished.
type drainer struct {
	p  *ThreadPool
	tp *C.gocoro_thread_pool
}

func (d drainer) run() {
	r := &d.p.runq
	start := time.Now()
	first := r.pushes.Load() // pushes after this: a producer runs beside this drainer (lingerForWork)
	for n := 1; ; n++ {
		q := r.take(false)
		if q == nil && r.pushes.Load() != first && r.lingerForWork() {
			q = r.take(false)
		}
		if q == nil {
			if q = r.take(true); q == nil {
				return // retired by take
			}
		}
		q.run()
		if n%8 != 0 || time.Since(start) < drainerSlice {
			continue
		}
		start = time.Now()
		// Give the thread back to the pool if native tasks wait for one: continue as a fresh pool task queued
		// behind them. If the pool no longer takes tasks it is shutting down, and the promise of Close is that
		// queued work still runs: keep draining here. With only other drainers waiting (or nothing), handing the
		// thread back would only cost a new activation (guest.go).
		if int64(C.gocoro_thread_pool_queue_size(d.tp)) > r.spawned.Load() && d.p.spawn(d, true) {
			return
		}
	}
}

// lingerFor bounds lingerForWork's wait: longer than a steady producer's interval between two submissions (under a
// microsecond idle, a few under load, more across its preemptions and GC assists), shorter than a drainer's
// activation under load.
const lingerFor = 50 * time.Microsecond

// lingerForWork lets a drainer that found the queue empty wait a few microseconds for another push before it
// retires; it reports whether one came. A retired drainer costs the next push a new activation: a pool task, an
// executor thread's wake-up and callback, a guest goroutine and the locked-thread hand-offs between them (guest.go),
// tens of microseconds under load. A producer submitting one item at a time (ScheduleTask(pool, NewFunc(...)) in a
// loop) otherwise empties the queue between items and pays that hundreds of times per million items (issue 12's
// thread_pool_* rows). With one P the producer cannot push while we spin, so there is nothing to wait for. The
// drainer lingers only if pushes came in after it started: a producer that instead waits for each item (Schedule in a
// loop) was just made runnable on our own P by the item's end, and spinning there would keep it from pushing.
func (r *runQueue) lingerForWork() bool {
	if runtime.GOMAXPROCS(0) < 2 || !r.lingering.CompareAndSwap(false, true) {
		return false
	}
	seen := r.pushes.Load()
	deadline := time.Now().Add(lingerFor)
	for r.lingering.Load() && r.pushes.Load() == seen {
		if time.Now().After(deadline) {
			break
		}
	}
	// A push that cleared the flag counted on us for its item: then we must not retire without taking a look.
	return !r.lingering.CompareAndSwap(true, false) || r.pushes.Load() != seen
}
