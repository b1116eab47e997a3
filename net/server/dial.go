package server

/*
#include <errno.h>
#include "cshim/net/server.h"
*/
import "C"

import (
	"context"
	"errors"
	"net"

	"golang.org/x/sys/unix"
)

var errDialNeedsCallbacks = errors.New("server: Dial needs a Callbacks (or Func) handler")

// Dial connects to address ("host:port", as net.Dialer's "tcp") and serves the connection on the server's loop
// with its Events, like an accepted one (the gnet client's model: outgoing connections share the loop): OnOpen
// runs for it at once, then OnData for what the peer sends; c.AsyncWrite sends to it. Dial returns once OnOpen has
// run. Only the connect happens on the calling goroutine; ctx bounds it and the wait for OnOpen. The connection
// counts in Stats.Active, not in Accepted; MaxConns does not refuse it.
func (s *Server) Dial(ctx context.Context, address string) (*Conn, error) {
	if s.done == nil {
		return nil, errNotServing
	}
	if s.ev == nil {
		return nil, newOpError("dial", nil, nil, errDialNeedsCallbacks)
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, err
	}
	raddr := nc.RemoteAddr()
	fd, err := detach(nc.(*net.TCPConn))
	if err != nil {
		return nil, newOpError("dial", nil, raddr, err)
	}
	g := s.gs
	ch := make(chan *Conn, 1)
	token := g.nextDial.Add(1)
	g.dials.Store(token, ch)
	defer g.dials.Delete(token)
	rc := C.int(-C.ESHUTDOWN)
	if s.life.Enter() {
		rc = C.gocoro_server_adopt(s.s, C.int(fd), C.uintptr_t(token))
		s.life.Exit()
	} else {
		unix.Close(fd)
	}
	if rc != 0 {
		return nil, newOpError("dial", nil, raddr, ErrServerClosed)
	}
	select {
	case c := <-ch:
		return c, nil
	case <-ctx.Done():
		return nil, newOpError("dial", nil, raddr, ctx.Err())
	case <-s.done:
		return nil, newOpError("dial", nil, raddr, ErrServerClosed)
	}
}

// detach takes the descriptor out of a connected net.TCPConn (a non-blocking, close-on-exec duplicate; the
// TCPConn is closed).
func detach(tc *net.TCPConn) (int, error) {
	defer tc.Close()
	rc, err := tc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var dupErr error
	if err := rc.Control(func(orig uintptr) {
		r, _, e := unix.Syscall(unix.SYS_FCNTL, orig, unix.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			dupErr = e
			return
		}
		fd = int(r)
	}); err != nil {
		return -1, err
	}
	if dupErr != nil {
		return -1, dupErr
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
