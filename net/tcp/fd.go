package tcp

/*
#include "cshim/net/tcp.h"
*/
import "C"

import (
	"context"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gocoro/gocoro/coro"
)

// netFD is a non-blocking socket whose readiness is awaited on an IOScheduler's epoll loop.
//
// Lifetime: every operation holds a reference (enter/exit) while it uses the descriptors, and so does every
// native poll until it has completed. Close marks the socket closed (new operations fail with net.ErrClosed),
// shuts it down — which makes epoll report a hang-up to every pending poll, so they all complete — and the last
// reference out closes the descriptors. A descriptor is therefore never closed while a system call, an epoll
// registration or a C++ coroutine may still use it.
type netFD struct {
	sched   *coro.IOScheduler
	fd      int // reads, accepts and read polls
	wfd     int // write polls (a dup of fd: epoll registers each descriptor once); -1 for listeners
	refs    atomic.Int64
	freed   atomic.Bool
	closing chan struct{} // closed by Close
	rd, wr  direction
	laddr   *net.TCPAddr
	raddr   *net.TCPAddr
}

const closedBit = int64(1) << 62

// direction serialises one side (read or write) and owns at most one pending native poll.
type direction struct {
	lock    chan struct{} // 1-slot lock: held by the goroutine currently reading (writing)
	pending bool          // a poll is registered and its result not consumed yet (guarded by lock)
	ready   chan pollResult
	// deadline in Unix nanoseconds; 0 means none.
	deadline atomic.Int64
	dmu      sync.Mutex
	changed  chan struct{} // closed and replaced whenever the deadline changes
}

type pollResult struct {
	status coro.PollStatus
	err    error
}

func (d *direction) init() {
	d.lock = make(chan struct{}, 1)
	d.ready = make(chan pollResult, 1)
	d.changed = make(chan struct{})
}

func newFD(s *coro.IOScheduler, fd, wfd int) *netFD {
	f := &netFD{sched: s, fd: fd, wfd: wfd, closing: make(chan struct{})}
	f.rd.init()
	f.wr.init()
	return f
}

func (f *netFD) enter() bool {
	if f.refs.Add(1)&closedBit != 0 {
		f.exit()
		return false
	}
	return true
}

func (f *netFD) exit() {
	if f.refs.Add(-1) == closedBit {
		f.finalize()
	}
}

func (f *netFD) closed() bool { return f.refs.Load()&closedBit != 0 }

func (f *netFD) finalize() {
	if !f.freed.CompareAndSwap(false, true) {
		return
	}
	C.gocoro_tcp_close(C.int(f.fd))
	if f.wfd >= 0 {
		C.gocoro_tcp_close(C.int(f.wfd))
	}
}

// close marks the socket closed and shuts it down; false if it already was closed.
func (f *netFD) close() bool {
	if !f.enter() {
		return false
	}
	for {
		v := f.refs.Load()
		if v&closedBit != 0 {
			f.exit()
			return false
		}
		if f.refs.CompareAndSwap(v, v|closedBit) {
			break
		}
	}
	close(f.closing)
	C.gocoro_tcp_shutdown(C.int(f.fd), 2)
	f.exit()
	return true
}

// acquire takes d's lock, giving up when ctx ends or the socket is closed.
func (f *netFD) acquire(ctx context.Context, d *direction) error {
	select {
	case d.lock <- struct{}{}:
		return nil
	default:
	}
	select {
	case d.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-f.closing:
		return net.ErrClosed
	}
}

func (d *direction) release() { <-d.lock }

func (d *direction) setDeadline(t time.Time) {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
		if ns == 0 {
			ns = 1
		}
	}
	d.dmu.Lock()
	d.deadline.Store(ns)
	close(d.changed)
	d.changed = make(chan struct{})
	d.dmu.Unlock()
}

// expired reports whether d's deadline has passed.
func (d *direction) expired() bool {
	dl := d.deadline.Load()
	return dl != 0 && time.Now().UnixNano() >= dl
}

// wait blocks (d's lock held) until pfd may be ready for op, ctx ends, the deadline passes or the socket is
// closed. A nil error means "try the system call again". The native poll outlives an early return: it stays
// registered (holding a reference) and the next wait picks its result up, so a descriptor is never polled twice
// at the same time.
func (f *netFD) wait(ctx context.Context, d *direction, pfd int, op coro.PollOp) (coro.PollStatus, error) {
	if !d.pending {
		var timeout time.Duration
		if dl := d.deadline.Load(); dl != 0 {
			timeout = time.Until(time.Unix(0, dl))
			if timeout <= 0 {
				return coro.PollTimeout, os.ErrDeadlineExceeded
			}
		}
		f.refs.Add(1) // the poll's reference; we hold one already, so the socket cannot be freed meanwhile
		s, ready := f.sched, d.ready
		task := coro.NewTask(func(t *coro.T) (struct{}, error) {
			st, err := t.Poll(s, pfd, op, timeout)
			ready <- pollResult{st, err}
			f.exit()
			return struct{}{}, nil
		})
		if err := task.Start(); err != nil {
			f.exit()
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
	case <-f.closing:
		return coro.PollClosed, net.ErrClosed
	}
}

// read is the Read hot path: one cgo call to recv; only on EAGAIN a native poll.
func (f *netFD) read(ctx context.Context, b []byte) (int, error) {
	if !f.enter() {
		return 0, net.ErrClosed
	}
	defer f.exit()
	if err := f.acquire(ctx, &f.rd); err != nil {
		return 0, err
	}
	defer f.rd.release()
	if len(b) == 0 {
		return 0, nil
	}
	spurious := 0
	for {
		if f.closed() {
			return 0, net.ErrClosed
		}
		if f.rd.expired() {
			return 0, os.ErrDeadlineExceeded
		}
		n := int64(C.gocoro_tcp_read(C.int(f.fd), unsafe.Pointer(&b[0]), C.size_t(len(b))))
		if n > 0 {
			return int(n), nil
		}
		if f.closed() {
			return 0, net.ErrClosed
		}
		if n == 0 {
			return 0, errEOF
		}
		switch e := syscall.Errno(-n); e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			st, err := f.wait(ctx, &f.rd, f.fd, coro.PollRead)
			if err != nil {
				return 0, err
			}
			if st == coro.PollError || st == coro.PollClosed {
				if spurious++; spurious > 2 {
					return 0, os.NewSyscallError("read", syscall.EIO)
				}
			}
		default:
			return 0, os.NewSyscallError("read", e)
		}
	}
}

// write writes all of b (partial writes continue after a native poll).
func (f *netFD) write(ctx context.Context, b []byte) (int, error) {
	if !f.enter() {
		return 0, net.ErrClosed
	}
	defer f.exit()
	if err := f.acquire(ctx, &f.wr); err != nil {
		return 0, err
	}
	defer f.wr.release()
	written, spurious := 0, 0
	for written < len(b) {
		if f.closed() {
			return written, net.ErrClosed
		}
		if f.wr.expired() {
			return written, os.ErrDeadlineExceeded
		}
		n := int64(C.gocoro_tcp_write(C.int(f.fd), unsafe.Pointer(&b[written]), C.size_t(len(b)-written)))
		if n >= 0 {
			written += int(n)
			spurious = 0
			continue
		}
		if f.closed() {
			return written, net.ErrClosed
		}
		switch e := syscall.Errno(-n); e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			st, err := f.wait(ctx, &f.wr, f.wfd, coro.PollWrite)
			if err != nil {
				return written, err
			}
			if st == coro.PollError || st == coro.PollClosed {
				if spurious++; spurious > 2 {
					return written, os.NewSyscallError("write", syscall.EPIPE)
				}
			}
		default:
			return written, os.NewSyscallError("write", e)
		}
	}
	return written, nil
}

// sockAddr reads the local or peer address of fd through the shim.
func sockAddr(fd int, peer bool) *net.TCPAddr {
	var buf [64]C.char
	var port C.uint16_t
	p := C.int(0)
	if peer {
		p = 1
	}
	if C.gocoro_tcp_addr(C.int(fd), p, &buf[0], C.size_t(len(buf)), &port) != 0 {
		return nil
	}
	return &net.TCPAddr{IP: net.ParseIP(C.GoString(&buf[0])), Port: int(port)}
}
