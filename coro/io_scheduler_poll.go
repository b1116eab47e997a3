package coro

/*
#include "cshim/io_scheduler.h"
*/
import "C"

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// NotifyWhenReady starts waiting on s's epoll loop until fd is ready for op or timeout passes (0: no timeout),
// without a task, and calls done exactly once with the outcome — on the goroutine that delivers native completions,
// so done must be quick and must not block (hand the result on through a buffered channel, say). It is
// io_scheduler::poll (poll_notify: resumed on the event thread) for code that waits in plain goroutines:
// non-blocking sockets, pipes, eventfds.
//
// Only one poll per fd at a time, as in libcoro (a second concurrent poll of the same fd reports PollError). s
// cannot finish Close before done has run; Close does not wait for the descriptor: a poll still pending (or
// finishing with PollClosed) once Close has begun gets ErrClosed.
//
// A panic in done is recovered and dropped (there is nobody to hand it to), like a panic in a Spawn'ed function;
// later completions are still delivered.
func (s *IOScheduler) NotifyWhenReady(fd int, op PollOp, timeout time.Duration, done func(PollStatus, error)) error {
	if !s.valid() {
		return schedulerInvalid("poll")
	}
	if op != PollRead && op != PollWrite && op != PollReadWrite || done == nil || fd < 0 {
		return &opError{Op: "poll", Obj: fmt.Sprintf("fd %d", fd), Err: ErrInvalid}
	}
	if !s.life.Enter() {
		return &opError{Op: "poll", Obj: "io_scheduler", Err: ErrClosed}
	}
	startDeliverer()
	h := newHandle(completer(&pollWaiter{s: s, fd: fd, done: done}))
	if C.gocoro_io_scheduler_poll(s.s, C.int(fd), C.int(op), C.int64_t(ceilMillis(timeout)), C.uintptr_t(h)) != C.GOCORO_OK {
		releaseHandle(h)
		s.life.Exit()
		return &opError{Op: "poll", Obj: fmt.Sprintf("fd %d", fd), Err: unix.ENOMEM}
	}
	return nil
}

// pollWaiter receives the result of NotifyWhenReady from the completion queue.
type pollWaiter struct {
	s    *IOScheduler
	fd   int
	done func(PollStatus, error)
}

func (w *pollWaiter) complete(result int64) {
	// Read before the reference drops: Close cannot have finished (nor the scheduler been freed) yet.
	cancelled := result < 0 || PollStatus(result) == PollClosed && w.s.life.Closed()
	w.s.life.Exit()
	if cancelled {
		w.done(PollError, &opError{Op: "poll", Obj: "io_scheduler", Err: ErrClosed})
		return
	}
	w.done(PollStatus(result), nil)
}
