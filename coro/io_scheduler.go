package coro

/*
#include "cshim/io_scheduler.h"
#include "cshim/task.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/gocoro/gocoro/internal/iolink"
	"golang.org/x/sys/unix"
)

// ThreadStrategy says who runs an IOScheduler's event loop (coro::io_scheduler::thread_strategy_t).
type ThreadStrategy int

const (
	// SpawnThread starts a dedicated event-loop thread.
	SpawnThread ThreadStrategy = iota
	// ManualThread has no event-loop thread: the user drives timers and polls with ProcessEvents.
	ManualThread
)

// ExecutionStrategy says where an IOScheduler runs tasks (coro::io_scheduler::execution_strategy_t).
type ExecutionStrategy int

const (
	// TasksOnThreadPool runs tasks on the scheduler's internal thread pool.
	TasksOnThreadPool ExecutionStrategy = iota
	// TasksInline runs tasks on the event-loop thread (or the ProcessEvents caller).
	TasksInline
)

// IOSchedulerOptions configures NewIOScheduler (coro::io_scheduler::options).
type IOSchedulerOptions struct {
	ThreadStrategy    ThreadStrategy
	ExecutionStrategy ExecutionStrategy
	// Pool configures the internal thread pool (TasksOnThreadPool only). ThreadCount 0 means libcoro's default:
	// hardware threads - 1, at least 1.
	Pool ThreadPoolOptions
	// OnIOThreadStart/Stop run on the event-loop thread (SpawnThread only), as thread hooks do
	// (ThreadPoolOptions.OnThreadStart): runtime.Goexit in them aborts the process.
	OnIOThreadStart, OnIOThreadStop func()
}

// IOScheduler is a coro::io_scheduler: an epoll event loop with timers, plus a thread pool or inline execution.
// Safe for concurrent use.
//
// The zero value is not usable; make one with NewIOScheduler. A zero IOScheduler refuses all work with an error
// matching ErrInvalid (Size reports 0).
type IOScheduler struct {
	s     *C.gocoro_io_scheduler
	id    *C.gocoro_io_scheduler // s as made, never cleared: only compared, never dereferenced
	hooks []handle
	// life has one reference per cgo call on s and per task await, poll and borrower handed to C++ that still
	// references s. Close waits for them all and then frees s itself (the last reference may be dropped on one of
	// the scheduler's own threads, which cannot join them).
	life lifetime
	// finish[0] and finish[1] end a schedule and a yield await (see scheduleRequest), made once: a closure per
	// request would allocate.
	finish [2]func(int64) error
	// ioLink is what the net packages reach through internal/iolink: s, life, the completion queue and the
	// functions Close runs first.
	ioLink
	// process marks the process-wide scheduler (DefaultIOScheduler), which Close refuses to stop.
	process bool
}

// NewIOScheduler starts a scheduler. Close it to stop its threads.
func NewIOScheduler(opts IOSchedulerOptions) (*IOScheduler, error) {
	if opts.Pool.ThreadCount < 0 || opts.Pool.ThreadCount > 1<<16 {
		return nil, invalidArg("NewIOScheduler", "Pool.ThreadCount must be 0 (the default) to 65536, got %d", opts.Pool.ThreadCount)
	}
	if opts.ThreadStrategy != SpawnThread && opts.ThreadStrategy != ManualThread {
		return nil, invalidArg("NewIOScheduler", "ThreadStrategy must be SpawnThread or ManualThread, got %d", opts.ThreadStrategy)
	}
	if opts.ExecutionStrategy != TasksOnThreadPool && opts.ExecutionStrategy != TasksInline {
		return nil, invalidArg("NewIOScheduler", "ExecutionStrategy must be TasksOnThreadPool or TasksInline, got %d",
			opts.ExecutionStrategy)
	}
	s := &IOScheduler{}
	copts := C.gocoro_io_scheduler_options{
		thread_strategy:    C.int(opts.ThreadStrategy),
		execution_strategy: C.int(opts.ExecutionStrategy),
		pool_thread_count:  C.uint32_t(opts.Pool.ThreadCount),
	}
	if opts.OnIOThreadStart != nil || opts.OnIOThreadStop != nil {
		start, stop := opts.OnIOThreadStart, opts.OnIOThreadStop
		h := newHandle(&threadHooks{
			start: func(int) { callIf(start) },
			stop:  func(int) { callIf(stop) },
		})
		s.hooks = append(s.hooks, h)
		copts.io_thread_event_handle = C.uintptr_t(h)
	}
	if opts.Pool.OnThreadStart != nil || opts.Pool.OnThreadStop != nil {
		h := newHandle(&threadHooks{start: opts.Pool.OnThreadStart, stop: opts.Pool.OnThreadStop})
		s.hooks = append(s.hooks, h)
		copts.pool_thread_event_handle = C.uintptr_t(h)
	}
	var cerr C.gocoro_error
	s.s = C.gocoro_io_scheduler_create(&copts, &cerr)
	s.id = s.s
	if s.s == nil {
		s.releaseHooks()
		return nil, &opError{Op: "create", Obj: "io_scheduler", Err: errors.New(C.GoString(&cerr.message[0]))}
	}
	s.init()
	return s, nil
}

// init makes s, whose C++ scheduler was just made, usable.
func (s *IOScheduler) init() {
	s.life.Init(nil)
	s.finish = [2]func(int64) error{s.finishAwait("schedule"), s.finishAwait("yield")}
	iolink.Init(&s.ioLink, unsafe.Pointer(s.s), &s.life.Lifetime, completionQueue{})
}

// valid reports whether s was made by NewIOScheduler (the zero IOScheduler has no C++ scheduler).
func (s *IOScheduler) valid() bool { return s.id != nil }

func schedulerInvalid(op string) error { return &opError{Op: op, Obj: "io_scheduler", Err: ErrInvalid} }

func callIf(fn func()) {
	if fn != nil {
		fn()
	}
}

func (s *IOScheduler) releaseHooks() {
	for _, h := range s.hooks {
		releaseHandle(h)
	}
	s.hooks = nil
}

// Spawn runs fn once on the scheduler without waiting for it (on a guest goroutine, like Schedule). A panic or
// runtime.Goexit in fn ends fn only: it is dropped.
func (s *IOScheduler) Spawn(fn func()) error { return spawnOn(s, fn) }

// submit spawns q as its own task (one handle and one callback each: unlike a pool, the scheduler's thread also
// runs the event loop, which a batch of Go work would hold up).
func (s *IOScheduler) submit(q queued) error {
	if !s.valid() {
		return schedulerInvalid("spawn")
	}
	if !s.life.Enter() {
		return &opError{Op: "spawn", Obj: "io_scheduler", Err: ErrClosed}
	}
	defer s.life.Exit()
	h := newHandle(runner(q))
	if C.gocoro_io_scheduler_spawn(s.s, C.uintptr_t(h)) != C.GOCORO_OK {
		releaseHandle(h)
		return &opError{Op: "spawn", Obj: "io_scheduler", Err: ErrClosed}
	}
	return nil
}

// ProcessEvents (ManualThread) waits up to timeout (rounded up to whole milliseconds) for timers and I/O (0: just
// check; negative: block), runs what became ready and returns Size(). Only one goroutine processes at a time.
func (s *IOScheduler) ProcessEvents(timeout time.Duration) (int, error) {
	if !s.valid() {
		return 0, schedulerInvalid("process_events")
	}
	if !s.life.Enter() {
		return 0, &opError{Op: "process_events", Obj: "io_scheduler", Err: ErrClosed}
	}
	defer s.life.Exit()
	return int(C.gocoro_io_scheduler_process_events(s.s, C.int64_t(processTimeoutMillis(timeout)))), nil
}

// processTimeoutMillis converts to the core's whole milliseconds without changing the meaning: any negative
// duration blocks and a positive one waits at least that long (truncating would turn -1ns and 500µs into 0, a
// busy poll).
func processTimeoutMillis(timeout time.Duration) int64 {
	switch {
	case timeout < 0:
		return -1
	case timeout%time.Millisecond != 0:
		return timeout.Milliseconds() + 1
	}
	return timeout.Milliseconds()
}

// Size reports scheduled, spawned and waiting (timer, poll) tasks; 0 after Close.
func (s *IOScheduler) Size() int {
	if !s.life.Enter() {
		return 0
	}
	defer s.life.Exit()
	return int(C.gocoro_io_scheduler_size(s.s))
}

// Close shuts the scheduler down — it completes pending polls (NotifyWhenReady's done, T.Poll) and timers (T.YieldFor,
// YieldUntil, ScheduleAfter, ScheduleAt, however far off) with ErrClosed, runs what is queued and joins its
// threads — and frees it. Work handed to it while Close runs either runs or fails with ErrClosed. Later calls do
// nothing. Called from one of the scheduler's own threads (a Spawn or Schedule function running there, or inside
// ProcessEvents), Close cannot wait for the thread it runs on: it then does all that in the background and returns
// nil at once. A task body (NewTask) must not Close the scheduler it
// runs on: its thread waits for the body. The DefaultIOScheduler cannot be closed (ErrNotSupported).
func (s *IOScheduler) Close() error {
	if !s.valid() {
		return schedulerInvalid("close")
	}
	if s.process {
		return &opError{Op: "close", Obj: "default io_scheduler", Err: ErrNotSupported}
	}
	if s.onOwnThread() {
		go s.Close()
		return nil
	}
	if !s.life.Close() {
		return nil
	}
	for _, fn := range iolink.TakeCloseHooks(&s.ioLink) {
		fn()
	}
	// New calls are refused now; one still in flight either gets its work in (the shutdown runs or cancels it) or
	// is refused by the core, which reports it as ErrClosed.
	C.gocoro_io_scheduler_shutdown(s.s)
	s.life.Wait()
	C.gocoro_io_scheduler_destroy(s.s)
	s.s = nil
	s.releaseHooks()
	return nil
}

// onOwnThread reports whether the caller runs on the scheduler's event thread, one of its pool workers, or inside
// its ProcessEvents.
func (s *IOScheduler) onOwnThread() bool {
	// No reference: a concurrent Close may be waiting for this very thread. The C side only compares the pointer.
	return C.gocoro_io_scheduler_on_own_thread(s.id) != 0
}

// await hands the task body to the scheduler for one native operation and returns its result.
func (s *IOScheduler) await(t *T, op string, r request) (int64, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	if !s.valid() {
		return 0, schedulerInvalid(op)
	}
	if !s.life.Enter() {
		return 0, &opError{Op: op, Obj: "io_scheduler", Err: ErrClosed}
	}
	r.target = unsafe.Pointer(s.s)
	res := t.await(r)
	// A poll that Close cancelled reports PollClosed (the C++ core's status for it); a peer hanging up at the same
	// moment is reported as ErrClosed too.
	cancelled := r.kind == C.GOCORO_OP_IO_POLL && PollStatus(res) == PollClosed && s.life.Closed()
	s.life.Exit()
	if cancelled || r.kind != C.GOCORO_OP_IO_POLL && res == C.GOCORO_ESHUTDOWN {
		return 0, &opError{Op: op, Obj: "io_scheduler", Err: ErrClosed}
	}
	return res, nil
}

func (s *IOScheduler) scheduleRequest(yield bool) (request, func(int64) error, error) {
	kind, op, which := C.int32_t(C.GOCORO_OP_IO_SCHEDULE), "schedule", 0
	if yield {
		kind, op, which = C.GOCORO_OP_IO_YIELD, "yield", 1
	}
	if !s.valid() {
		return request{}, nil, schedulerInvalid(op)
	}
	if !s.life.Enter() {
		return request{}, nil, &opError{Op: op, Obj: "io_scheduler", Err: ErrClosed}
	}
	return request{kind: kind, target: unsafe.Pointer(s.s)}, s.finish[which], nil
}

// finishAwait ends a schedule or yield await (op) made through scheduleRequest.
func (s *IOScheduler) finishAwait(op string) func(int64) error {
	return func(res int64) error {
		s.life.Exit()
		switch res {
		case C.GOCORO_ESHUTDOWN:
			return &opError{Op: op, Obj: "io_scheduler", Err: ErrClosed}
		case C.GOCORO_ENOMEM: // the queue could not grow: the body is not on s
			return &opError{Op: op, Obj: "io_scheduler", Err: unix.ENOMEM}
		}
		return nil
	}
}

// YieldFor suspends the task body for at least d on s's timers (co_await s->yield_for(d)); d <= 0 behaves like
// Schedule. The body resumes on s (pool thread or event-loop thread). If s is closed first, YieldFor returns
// ErrClosed when Close begins instead of waiting out d.
func (t *T) YieldFor(s *IOScheduler, d time.Duration) error {
	_, err := s.await(t, "yield_for", request{kind: C.GOCORO_OP_IO_YIELD_FOR, arg: ceilMillis(d)})
	return err
}

// ceilMillis converts d to the scheduler's millisecond timers, rounding up so a wait never ends early (without
// adding first, which overflowed near math.MaxInt64).
func ceilMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}

// YieldUntil suspends the task body until deadline (co_await s->yield_until(tp)); a past deadline behaves like
// Schedule.
func (t *T) YieldUntil(s *IOScheduler, deadline time.Time) error {
	return t.YieldFor(s, time.Until(deadline))
}

// ScheduleAfter is YieldFor (libcoro's schedule_after).
func (t *T) ScheduleAfter(s *IOScheduler, d time.Duration) error { return t.YieldFor(s, d) }

// ScheduleAt is YieldUntil (libcoro's schedule_at).
func (t *T) ScheduleAt(s *IOScheduler, deadline time.Time) error { return t.YieldUntil(s, deadline) }

// PollOp is what Poll waits for (coro::poll_op).
type PollOp int

const (
	PollRead      PollOp = 1 // EPOLLIN
	PollWrite     PollOp = 4 // EPOLLOUT
	PollReadWrite PollOp = 5
)

func (op PollOp) String() string {
	switch op {
	case PollRead:
		return "read"
	case PollWrite:
		return "write"
	case PollReadWrite:
		return "read_write"
	}
	return "unknown"
}

// PollStatus is the outcome of Poll (coro::poll_status).
type PollStatus int

const (
	PollEvent   PollStatus = iota // ready for the requested operation
	PollTimeout                   // the timeout expired first
	PollError                     // the descriptor reported an error
	PollClosed                    // the peer hung up
)

func (st PollStatus) String() string {
	switch st {
	case PollEvent:
		return "event"
	case PollTimeout:
		return "timeout"
	case PollError:
		return "error"
	case PollClosed:
		return "closed"
	case PollCancelled:
		return "cancelled"
	}
	return "unknown"
}

// Poll suspends the task body until fd is ready for op or timeout passes (0: no timeout), on s's epoll loop
// (co_await s->poll(fd, op, timeout)). Only one Poll per fd at a time, as in libcoro. A Poll still pending when
// Close begins returns ErrClosed.
func (t *T) Poll(s *IOScheduler, fd int, op PollOp, timeout time.Duration) (PollStatus, error) {
	if op != PollRead && op != PollWrite && op != PollReadWrite {
		return PollError, &opError{Op: "poll", Obj: fmt.Sprintf("fd %d", fd), Err: ErrInvalid}
	}
	res, err := s.await(t, "poll", request{kind: C.GOCORO_OP_IO_POLL, arg: int64(fd), arg2: int64(op) | ceilMillis(timeout)<<8})
	return PollStatus(res), err
}

// ErrTimeout is returned by a task made with ScheduleTimeout when the timeout won (coro::timeout_status::timeout).
var ErrTimeout = errors.New("coro: timeout")

// ScheduleTimeout returns a task that races task against a timer of s (io_scheduler::schedule(task, timeout)):
// it yields task's result if task finishes first, else ErrTimeout. task starts on the awaiting thread (it is not
// moved onto s first); the loser is not stopped but keeps running in the background. If cancel is not nil it is
// called once either side has won (the stop_source overload). timeout <= 0 just schedules task onto s.
func ScheduleTimeout[R any](s *IOScheduler, task *Task[R], timeout time.Duration, cancel context.CancelFunc) *Task[R] {
	return NewTask(func(t *T) (R, error) {
		var zero R
		if cancel != nil {
			defer cancel()
		}
		if timeout <= 0 {
			if err := t.Schedule(s); err != nil {
				return zero, err
			}
			return Await(t, task)
		}
		timer := NewTask(func(t *T) (struct{}, error) { return struct{}{}, t.ScheduleAfter(s, timeout) })
		winner, err := WhenAny(t, task, timer)
		if err != nil {
			return zero, err
		}
		if winner == 1 {
			return zero, ErrTimeout
		}
		return task.Result()
	})
}

func (s *IOScheduler) hold() bool { return s.life.Enter() }

func (s *IOScheduler) unhold() { s.life.Exit() }
