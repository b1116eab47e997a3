// Package netfd is the part every socket type of gocoro's net packages shares: a non-blocking descriptor whose
// readiness is awaited on a coro.IOScheduler's epoll loop (IOScheduler.PollFunc), with per-direction locks,
// deadlines, context cancellation and a Close that is safe against concurrent use.
//
// The packages (net/tcp, net/udp, net/tls) do their system calls through their own shim (one cgo call each) and
// hand them to Retry, which waits for readiness only when the call reports EAGAIN.
package netfd

import (
	"context"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/corelink"
	"github.com/gocoro/gocoro/internal/lifetime"
)

// Dir names one side of a socket: reads (and accepts) or writes. Each side is serialised and owns at most one
// pending native poll.
type Dir int

const (
	Read Dir = iota
	Write
)

// FD is a non-blocking socket registered with an IOScheduler.
//
// Lifetime: every operation holds a reference (Lock/Unlock) while it uses the descriptors, and so does every
// native poll until it has completed. Close marks the socket closed (new operations fail with net.ErrClosed),
// shuts it down — which makes epoll report a hang-up to every pending poll, so they all complete — and the last
// reference out closes the descriptors. A descriptor is therefore never closed while a system call, an epoll
// registration or a C++ coroutine may still use it. Closing the IOScheduler closes its sockets first.
type FD struct {
	Sched *coro.IOScheduler
	Sysfd int // system calls, read polls
	wfd   int // write polls: a dup of Sysfd, because epoll registers each descriptor once
	// Laddr and Raddr are the socket's addresses, set by the owner before the FD is shared.
	Laddr, Raddr net.Addr

	life       lifetime.Lifetime // frees the descriptors (finalize) after Close, once no reference is left
	unregister func()
	dirs       [2]direction
}

type direction struct {
	lock    chan struct{} // 1-slot lock: held by the goroutine currently using this side
	pending bool          // a poll is registered and its result not consumed yet (guarded by lock)
	ready   chan pollResult
	done    func(coro.PollStatus, error) // delivers a poll result into ready; allocated once
	// deadline in Unix nanoseconds; 0 means none.
	deadline atomic.Int64
	dmu      sync.Mutex
	changed  chan struct{} // closed and replaced whenever the deadline changes
}

type pollResult struct {
	status coro.PollStatus
	err    error
}

// New wraps fd (non-blocking, close-on-exec) for use with s. It takes ownership of fd: on error fd is closed.
// The write side polls a duplicate of fd unless readOnly (listeners).
func New(s *coro.IOScheduler, fd int, readOnly bool) (*FD, error) {
	wfd := -1
	if !readOnly {
		var err error
		if wfd, err = DupCloexec(fd); err != nil {
			syscall.Close(fd)
			return nil, err
		}
	}
	f := &FD{Sched: s, Sysfd: fd, wfd: wfd}
	f.life.Init(f.finalize)
	for i := range f.dirs {
		d := &f.dirs[i]
		d.lock = make(chan struct{}, 1)
		d.ready = make(chan pollResult, 1)
		d.changed = make(chan struct{})
		ready := d.ready
		d.done = func(st coro.PollStatus, err error) {
			ready <- pollResult{st, err}
			f.decref()
		}
	}
	unregister, err := corelink.OnIOSchedulerClose(s, func() { f.Close() })
	if err != nil {
		f.closeFDs()
		return nil, err
	}
	f.unregister = unregister
	return f, nil
}

// zero stands in for the FD of a zero Conn, Listener or Peer (made without Dial, Listen or Accept): closed for
// good and without descriptors, so every operation on it fails with net.ErrClosed.
var zero = func() *FD {
	f := &FD{Sysfd: -1, wfd: -1}
	f.life.InitClosed()
	return f
}()

// Or returns f, or for nil (the FD field of a zero value) a closed FD.
func Or(f *FD) *FD {
	if f == nil {
		return zero
	}
	return f
}

// DupCloexec duplicates fd with close-on-exec set.
func DupCloexec(fd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if e != 0 {
		return -1, os.NewSyscallError("dup", e)
	}
	return int(r), nil
}

func (f *FD) incref() bool { return f.life.Enter() }

func (f *FD) decref() { f.life.Exit() }

// Closed reports whether Close has been called.
func (f *FD) Closed() bool { return f.life.Closed() }

// Closing is closed when Close is called.
func (f *FD) Closing() <-chan struct{} { return f.life.Closing() }

func (f *FD) finalize() {
	if f.unregister != nil {
		f.unregister()
	}
	f.closeFDs()
}

func (f *FD) closeFDs() {
	syscall.Close(f.Sysfd)
	if f.wfd >= 0 {
		syscall.Close(f.wfd)
	}
}

// Close marks the socket closed and shuts it down; false if it already was closed.
func (f *FD) Close() bool {
	// Our own reference keeps the descriptors open until the shutdown below is done.
	if !f.incref() {
		return false
	}
	if !f.life.Close() {
		f.decref()
		return false
	}
	// Wakes pending polls with a hang-up (for unconnected UDP sockets too: Linux still flags the shutdown).
	syscall.Shutdown(f.Sysfd, syscall.SHUT_RDWR)
	f.decref()
	return true
}

// Shutdown shuts down one or both directions (syscall.SHUT_RD/SHUT_WR/SHUT_RDWR) without closing.
func (f *FD) Shutdown(how int) error {
	if !f.incref() {
		return net.ErrClosed
	}
	defer f.decref()
	if err := syscall.Shutdown(f.Sysfd, how); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return nil
}

// Lock takes a reference and dir's lock, giving up when ctx ends or the socket is closed. Pair with Unlock.
func (f *FD) Lock(ctx context.Context, dir Dir) error {
	if !f.incref() {
		return net.ErrClosed
	}
	d := &f.dirs[dir]
	select {
	case d.lock <- struct{}{}:
		return nil
	default:
	}
	select {
	case d.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		f.decref()
		return ctx.Err()
	case <-f.life.Closing():
		f.decref()
		return net.ErrClosed
	}
}

// Unlock releases what Lock took.
func (f *FD) Unlock(dir Dir) {
	<-f.dirs[dir].lock
	f.decref()
}

// SetDeadline sets dir's deadline (the zero time: none). Pending waits see the change at once.
func (f *FD) SetDeadline(dir Dir, t time.Time) error {
	if f.Closed() {
		return net.ErrClosed
	}
	var ns int64
	if !t.IsZero() {
		if ns = t.UnixNano(); ns == 0 {
			ns = 1
		}
	}
	d := &f.dirs[dir]
	d.dmu.Lock()
	d.deadline.Store(ns)
	close(d.changed)
	d.changed = make(chan struct{})
	d.dmu.Unlock()
	return nil
}

func (d *direction) expired() bool {
	dl := d.deadline.Load()
	return dl != 0 && time.Now().UnixNano() >= dl
}

// Retry runs op (a non-blocking system call on Sysfd returning a count or a negated errno) until it succeeds or
// fails with something other than EINTR/EAGAIN, waiting for dir's readiness after each EAGAIN. dir's lock must be
// held. Errors: net.ErrClosed, os.ErrDeadlineExceeded, ctx.Err(), or a syscall.Errno from op (unwrapped: the
// caller names the system call).
func (f *FD) Retry(ctx context.Context, dir Dir, op func(fd int) int64) (int64, error) {
	d := &f.dirs[dir]
	spurious := 0
	var halfClosed time.Duration
	for {
		if f.Closed() {
			return 0, net.ErrClosed
		}
		if d.expired() {
			return 0, os.ErrDeadlineExceeded
		}
		n := op(f.Sysfd)
		if n >= 0 {
			return n, nil
		}
		if f.Closed() {
			return 0, net.ErrClosed
		}
		switch e := syscall.Errno(-n); e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			st, err := f.Wait(ctx, dir)
			if err != nil {
				return 0, err
			}
			if st == coro.PollClosed && dir == Write {
				// The peer shut down its sending side (libcoro polls with EPOLLRDHUP, which then stays set) but
				// may still read: writing is allowed, only no poll can tell when there is room again. Back off and
				// retry; a fully closed peer makes the write itself fail (EPIPE/ECONNRESET).
				if err := f.pause(ctx, d, &halfClosed); err != nil {
					return 0, err
				}
				continue
			}
			// Error/hang-up: the next call reports what happened; bound the retries in case it keeps saying EAGAIN.
			if st == coro.PollError || st == coro.PollClosed {
				if spurious++; spurious > 2 {
					return 0, syscall.EIO
				}
			}
		default:
			return 0, e
		}
	}
}

// Accept takes one connection from a listening socket: accept is the non-blocking accept call (a descriptor or a
// negated errno). Connections aborted before they were taken are skipped. Errors as Retry's, with a raw errno
// wrapped in an *os.SyscallError naming "accept".
func (f *FD) Accept(ctx context.Context, accept func(fd int) int64) (int, error) {
	if err := f.Lock(ctx, Read); err != nil {
		return -1, err
	}
	defer f.Unlock(Read)
	for {
		cfd, err := f.Retry(ctx, Read, accept)
		if err == syscall.ECONNABORTED {
			continue
		}
		if e, ok := err.(syscall.Errno); ok {
			return -1, os.NewSyscallError("accept", e)
		}
		if err != nil {
			return -1, err
		}
		return int(cfd), nil
	}
}

// pause sleeps a growing interval (1 ms doubling to 50 ms, kept in *backoff) unless ctx ends, the deadline passes
// or changes, or the socket is closed.
func (f *FD) pause(ctx context.Context, d *direction, backoff *time.Duration) error {
	*backoff = min(max(2**backoff, time.Millisecond), 50*time.Millisecond)
	wait := *backoff
	if dl := d.deadline.Load(); dl != 0 {
		left := time.Until(time.Unix(0, dl))
		if left <= 0 {
			return os.ErrDeadlineExceeded
		}
		wait = min(wait, left)
	}
	d.dmu.Lock()
	changed := d.changed
	d.dmu.Unlock()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-changed:
		return nil
	case <-f.life.Closing():
		return net.ErrClosed
	}
}

// Wait blocks (dir's lock held) until the socket may be ready for dir, ctx ends, the deadline passes or the socket
// is closed. A nil error means "try the system call again". The native poll outlives an early return: it stays
// registered (holding a reference) and the next Wait picks its result up, so a descriptor is never polled twice at
// the same time.
func (f *FD) Wait(ctx context.Context, dir Dir) (coro.PollStatus, error) {
	d := &f.dirs[dir]
	if !d.pending {
		var timeout time.Duration
		if dl := d.deadline.Load(); dl != 0 {
			if timeout = time.Until(time.Unix(0, dl)); timeout <= 0 {
				return coro.PollTimeout, os.ErrDeadlineExceeded
			}
		}
		pfd, op := f.Sysfd, coro.PollRead
		if dir == Write {
			pfd, op = f.wfd, coro.PollWrite
		}
		f.life.Retain() // the poll's reference; the caller holds one already, so the socket cannot be freed meanwhile
		if err := f.Sched.PollFunc(pfd, op, timeout, d.done); err != nil {
			f.decref()
			return coro.PollError, err
		}
		d.pending = true
	}
	var timerC <-chan time.Time
	if dl := d.deadline.Load(); dl != 0 {
		left := time.Until(time.Unix(0, dl))
		if left <= 0 {
			return coro.PollTimeout, os.ErrDeadlineExceeded
		}
		timer := time.NewTimer(left)
		defer timer.Stop()
		timerC = timer.C
	}
	d.dmu.Lock()
	changed := d.changed
	d.dmu.Unlock()
	select {
	case r := <-d.ready:
		d.pending = false
		return r.status, r.err
	case <-ctx.Done():
		return coro.PollError, ctx.Err()
	case <-timerC:
		return coro.PollTimeout, os.ErrDeadlineExceeded
	case <-changed:
		return coro.PollTimeout, nil
	case <-f.life.Closing():
		return coro.PollClosed, net.ErrClosed
	}
}
