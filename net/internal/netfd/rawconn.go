package netfd

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// RawConn is an FD as a syscall.RawConn, for the SyscallConn methods of the socket types. Control runs while the
// socket holds its descriptor open; Read and Write run as Raw does on a data socket and fail with syscall.EINVAL on
// a listening one (as on Go's listeners). Errors pass through OpError with the RawConn method's name.
type RawConn struct {
	f       *FD
	data    bool
	opError func(op string, err error) error
}

// NewRawConn returns f as a syscall.RawConn (data: Read and Write allowed); opError(op, err) wraps its errors.
// net.ErrClosed (wrapped) once f is closed.
func NewRawConn(f *FD, data bool, opError func(op string, err error) error) (syscall.RawConn, error) {
	if f.Closed() {
		return nil, opError("raw", net.ErrClosed)
	}
	return RawConn{f, data, opError}, nil
}

func (r RawConn) Control(fn func(fd uintptr)) error {
	if err := r.f.Control(func(fd int) error { fn(uintptr(fd)); return nil }); err != nil {
		return r.opError("raw-control", err)
	}
	return nil
}

func (r RawConn) Read(fn func(fd uintptr) (done bool)) error {
	return r.raw("raw-read", Read, fn)
}

func (r RawConn) Write(fn func(fd uintptr) (done bool)) error {
	return r.raw("raw-write", Write, fn)
}

func (r RawConn) raw(op string, dir Dir, fn func(fd uintptr) (done bool)) error {
	err := error(syscall.EINVAL)
	if r.data {
		err = r.f.Raw(dir, fn)
	}
	if err != nil {
		return r.opError(op, err)
	}
	return nil
}

// RunControl calls a Control hook of a Dialer or ListenConfig type on the new socket fd, closing fd when the hook
// fails or panics (the panic goes on to the caller: the hook is the caller's code).
func RunControl(fd int, network, address string, control func(network, address string, c syscall.RawConn) error) (err error) {
	done := false
	defer func() {
		if !done || err != nil {
			unix.Close(fd)
		}
	}()
	err = control(network, address, ControlConn(fd))
	done = true
	return err
}

// ControlConn is the syscall.RawConn given to the Control hooks of Dialer and ListenConfig types: a socket that is
// not bound, connected or set up for waiting yet, so only Control runs (Read and Write fail with syscall.EINVAL).
type ControlConn int

func (c ControlConn) Control(fn func(fd uintptr)) error        { fn(uintptr(c)); return nil }
func (c ControlConn) Read(func(fd uintptr) (done bool)) error  { return syscall.EINVAL }
func (c ControlConn) Write(func(fd uintptr) (done bool)) error { return syscall.EINVAL }
