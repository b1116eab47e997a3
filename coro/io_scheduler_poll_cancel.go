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

	"golang.org/x/sys/unix"
)

// PollCancelled is the outcome of a poll whose context ended first (T.PollContext, IOScheduler.Poll; libcoro
// v0.16's poll_status::cancelled). The error returned with it matches ctx.Err().
const PollCancelled PollStatus = 4

// Poll blocks the calling goroutine until fd is ready for op, timeout passes (0: no timeout) or ctx ends, waiting on
// s's epoll loop (libcoro v0.16's scheduler::poll(fd, op, timeout, poll_stop_token)). If ctx ends first — also when
// it had ended before the call, and when it ends in the same instant as fd becomes ready — Poll returns
// PollCancelled and an error matching ctx.Err(). A poll only observes readiness, it consumes nothing, so a
// cancelled poll loses no data: what was readable still is.
//
// Each call with a cancellable ctx uses three descriptors while it waits (a pipe to signal the cancellation and an
// epoll instance, as libcoro's does) and leaves no registration behind; with a ctx that cannot be cancelled
// (Done() == nil) it is NotifyWhenReady, one poll per fd at a time. A Poll pending when Close begins returns
// ErrClosed. Under the libcoro_external build tag (upstream v0.14 has no poll_stop_token) the poll waits in slices
// of 100 ms and looks at ctx between them: it returns PollCancelled up to 100 ms after ctx ends (at once if ctx had
// ended before the call, or when fd becomes ready), and uses no descriptors of its own.
func (s *IOScheduler) Poll(ctx context.Context, fd int, op PollOp, timeout time.Duration) (PollStatus, error) {
	if !s.valid() {
		return PollError, schedulerInvalid("poll")
	}
	if err := checkPoll(fd, op); err != nil {
		return PollError, err
	}
	if ctx.Err() != nil {
		return PollCancelled, pollCancelled(ctx, fd)
	}
	if ctx.Done() == nil {
		type outcome struct {
			st  PollStatus
			err error
		}
		ch := make(chan outcome, 1)
		if err := s.NotifyWhenReady(fd, op, timeout, func(st PollStatus, err error) { ch <- outcome{st, err} }); err != nil {
			return PollError, err
		}
		o := <-ch
		return o.st, o.err
	}
	if !s.life.Enter() {
		return PollError, &opError{Op: "poll", Obj: "io_scheduler", Err: ErrClosed}
	}
	stop, err := newPollStop(ctx, s, fd)
	if err != nil {
		s.life.Exit()
		return PollError, err
	}
	done := newSignal()
	h := done.handle()
	if C.gocoro_io_scheduler_poll_stop(stop.c, C.int(fd), C.int(op), C.int64_t(ceilMillis(timeout)), h) != C.GOCORO_OK {
		releaseHandle(handle(h))
		stop.release()
		s.life.Exit()
		return PollError, &opError{Op: "poll", Obj: fmt.Sprintf("fd %d", fd), Err: unix.ENOMEM}
	}
	<-done.ch
	stop.release()
	return s.pollOutcome(ctx, fd, done.result)
}

// PollContext is T.Poll that also ends when ctx does: the task body is suspended until fd is ready for op, timeout
// passes (0: no timeout) or ctx ends (co_await s->poll(fd, op, timeout, token) of libcoro v0.16). Outcomes, costs and
// limits are those of IOScheduler.Poll: PollCancelled with an error matching ctx.Err() once ctx has ended (up to
// 100 ms later under libcoro_external), ErrClosed if Close begins first.
func (t *T) PollContext(ctx context.Context, s *IOScheduler, fd int, op PollOp, timeout time.Duration) (PollStatus, error) {
	if err := checkPoll(fd, op); err != nil {
		return PollError, err
	}
	if ctx.Done() == nil {
		return t.Poll(s, fd, op, timeout)
	}
	if err := t.check(); err != nil {
		return PollError, err
	}
	if !s.valid() {
		return PollError, schedulerInvalid("poll")
	}
	if ctx.Err() != nil {
		return PollCancelled, pollCancelled(ctx, fd)
	}
	if !s.life.Enter() {
		return PollError, &opError{Op: "poll", Obj: "io_scheduler", Err: ErrClosed}
	}
	stop, err := newPollStop(ctx, s, fd)
	if err != nil {
		s.life.Exit()
		return PollError, err
	}
	res := t.await(request{
		kind:   C.GOCORO_OP_IO_POLL_STOP,
		target: unsafe.Pointer(stop.c),
		arg:    int64(fd),
		arg2:   int64(op) | ceilMillis(timeout)<<8,
	})
	stop.release()
	return s.pollOutcome(ctx, fd, res)
}

func checkPoll(fd int, op PollOp) error {
	if fd < 0 || op != PollRead && op != PollWrite && op != PollReadWrite {
		return &opError{Op: "poll", Obj: fmt.Sprintf("fd %d", fd), Err: ErrInvalid}
	}
	return nil
}

func pollCancelled(ctx context.Context, fd int) error {
	return &opError{Op: "poll", Obj: fmt.Sprintf("fd %d", fd), Err: ctx.Err()}
}

// pollOutcome turns a cancellable poll's native result into Poll's and drops the reference the poll held on s.
func (s *IOScheduler) pollOutcome(ctx context.Context, fd int, res int64) (PollStatus, error) {
	// Close ends a pending poll of the v0.16 face with error (its inner poll reports closed): read before the
	// reference drops, while Close cannot have finished.
	closed := s.life.Closed()
	s.life.Exit()
	st := PollStatus(res)
	switch {
	case st == PollCancelled:
		return PollCancelled, pollCancelled(ctx, fd)
	case res < 0 || closed && (st == PollClosed || st == PollError):
		return PollError, &opError{Op: "poll", Obj: "io_scheduler", Err: ErrClosed}
	}
	return st, nil
}

// pollStop is the native stop source of one cancellable poll, signalled once ctx ends.
type pollStop struct {
	c         *C.gocoro_poll_stop
	unwatch   func() bool
	signalled chan struct{} // closed once the signal was sent
}

// newPollStop makes the stop source of a poll of fd on s; the caller holds a reference on s.
func newPollStop(ctx context.Context, s *IOScheduler, fd int) (*pollStop, error) {
	var cerr C.gocoro_error
	c := C.gocoro_poll_stop_create(s.s, &cerr)
	if c == nil {
		var err error
		if cerr.code == C.GOCORO_ENOMEM {
			err = unix.ENOMEM
		} else {
			err = errors.New(C.GoString(&cerr.message[0]))
		}
		return nil, &opError{Op: "poll", Obj: fmt.Sprintf("fd %d", fd), Err: err}
	}
	p := &pollStop{c: c, signalled: make(chan struct{})}
	// The signal may come before the poll starts: the stop stays signalled, so the poll then ends at once.
	p.unwatch = context.AfterFunc(ctx, func() {
		C.gocoro_poll_stop_signal(c)
		close(p.signalled)
	})
	return p, nil
}

// release stops watching ctx and frees the stop source, after a signal already under way has been sent. Call it
// once the poll has completed.
func (p *pollStop) release() {
	if !p.unwatch() {
		<-p.signalled
	}
	C.gocoro_poll_stop_destroy(p.c)
}
