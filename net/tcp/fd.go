package tcp

/*
#include "cshim/net/tcp.h"
*/
import "C"

import (
	"context"
	"net"
	"os"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/internal/netfd"
)

// acceptedPeer is where a Listener's accept call (netfd.FD.Retry's op: one cgo call, a descriptor or a negated
// errno) leaves the peer's address, which accept4 returns anyway; the listener's read lock serialises its use.
type acceptedPeer struct {
	host [64]C.char
	port C.uint16_t
}

func (p *acceptedPeer) accept(fd int) int64 {
	return int64(C.gocoro_tcp_accept(C.int(fd), &p.host[0], C.size_t(len(p.host)), &p.port))
}

// addr is the address the last accept left (nil if it could not be read).
func (p *acceptedPeer) addr() *net.TCPAddr {
	if p.host[0] == 0 {
		return nil
	}
	return &net.TCPAddr{IP: net.ParseIP(C.GoString(&p.host[0])), Port: int(p.port)}
}

// read is the Read hot path: one read(2); only on EAGAIN a wait in Go's poller.
func read(ctx context.Context, f *netfd.FD, b []byte) (int, error) {
	if err := f.Lock(ctx, netfd.Read); err != nil {
		return 0, err
	}
	defer f.Unlock(netfd.Read)
	if len(b) == 0 {
		return 0, nil
	}
	n, err := f.Read(ctx, b)
	if err != nil {
		return 0, wrapErrno("read", err)
	}
	if n == 0 {
		return 0, errEOF
	}
	return n, nil
}

// write writes all of b, or returns how much was written and why it stopped.
func write(ctx context.Context, f *netfd.FD, b []byte) (int, error) {
	if err := f.Lock(ctx, netfd.Write); err != nil {
		return 0, err
	}
	defer f.Unlock(netfd.Write)
	if len(b) == 0 {
		return 0, nil
	}
	n, err := f.Write(ctx, b)
	if err != nil {
		return n, wrapErrno("write", err)
	}
	return n, nil
}

// wrapErrno names the system call in a raw errno from netfd; other errors pass unchanged.
func wrapErrno(call string, err error) error {
	if e, ok := err.(unix.Errno); ok {
		return os.NewSyscallError(call, e)
	}
	return err
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
