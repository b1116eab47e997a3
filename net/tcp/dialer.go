package tcp

/*
#include <stdlib.h>
#include "cshim/net/tcp.h"
*/
import "C"

import (
	"context"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/internal/argerr"
	"github.com/gocoro/gocoro/net/internal/netaddr"
	"github.com/gocoro/gocoro/net/internal/netfd"
)

// Dialer holds options for connecting, as net.Dialer does for Go's net (same field names, meanings and defaults;
// the zero Dialer is what Dial uses). It may be used by several goroutines at once.
type Dialer struct {
	// Timeout bounds the connect (0: no bound beyond ctx's); Deadline, if not zero, is an absolute bound. The
	// earlier of the two and ctx's deadline applies.
	Timeout  time.Duration
	Deadline time.Time

	// LocalAddr, if not nil, is the *net.TCPAddr the connection is made from (IP nil or unspecified: any address;
	// port 0: any port; no IPv6 zone). Its address family must match the remote address's.
	LocalAddr net.Addr

	// KeepAlive is the idle time before the first keep-alive probe: 0 means 15 s, negative turns keep-alive off
	// unless KeepAliveConfig.Enable is set, which then configures it instead (see net.Dialer).
	KeepAlive       time.Duration
	KeepAliveConfig net.KeepAliveConfig

	// Control, if not nil, is called with the socket after it is made and before it is bound or connected, with
	// network "tcp4" or "tcp6" and the remote "ip:port"; an error aborts the dial. Only the RawConn's Control
	// method may be used (Read and Write fail with syscall.EINVAL).
	Control func(network, address string, c syscall.RawConn) error
	// ControlContext is Control with the dial's context; when not nil, Control is ignored (as in net.Dialer).
	ControlContext func(ctx context.Context, network, address string, c syscall.RawConn) error
}

// Dial connects to address as the package-level Dial does, with d's options.
func (d *Dialer) Dial(ctx context.Context, s *coro.IOScheduler, address string) (*Conn, error) {
	if s == nil {
		return nil, newOpError("dial", nil, nil, argerr.New("nil *coro.IOScheduler"))
	}
	host, port, _, err := netaddr.Split(address, true)
	if err != nil {
		return nil, newOpError("dial", nil, nil, err)
	}
	raddr := &net.TCPAddr{IP: net.ParseIP(host), Port: int(port)}
	var local *net.TCPAddr
	if d.LocalAddr != nil {
		if local, _ = d.LocalAddr.(*net.TCPAddr); local == nil {
			return nil, newOpError("dial", d.LocalAddr, raddr,
				&net.AddrError{Err: "mismatched local address type", Addr: d.LocalAddr.String()})
		}
		if local.Zone != "" {
			// Like a remote address's zone (netaddr.Split): the socket layer takes literals without scope ids.
			return nil, newOpError("dial", local, raddr,
				&net.AddrError{Err: "IPv6 zones are not supported", Addr: local.String()})
		}
		if ip := local.IP; ip != nil && !ip.IsUnspecified() && (ip.To4() == nil) != (raddr.IP.To4() == nil) {
			return nil, newOpError("dial", local, raddr,
				&net.AddrError{Err: "local and remote address families differ", Addr: local.String()})
		}
	}
	if deadline := d.deadline(); !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	if err := ctx.Err(); err != nil {
		return nil, newOpError("dial", local, raddr, err)
	}
	fd, inProgress, err := d.connect(ctx, host, port, local)
	if err != nil {
		return nil, newOpError("dial", local, raddr, err)
	}
	f, err := netfd.New(s, fd)
	if err != nil {
		return nil, newOpError("dial", local, raddr, err)
	}
	c := &Conn{fd: f}
	var peer *net.TCPAddr
	if inProgress {
		if peer, err = c.finishConnect(ctx); err != nil {
			c.fd.Close()
			return nil, newOpError("dial", local, raddr, err)
		}
	}
	c.setAddrs(nil, peer)
	if c.fd.Raddr == nil {
		c.fd.Raddr = raddr
	}
	c.setKeepAliveDefault(d.KeepAlive, d.KeepAliveConfig)
	return c, nil
}

// deadline is the earlier of Timeout from now and Deadline (zero: neither is set).
func (d *Dialer) deadline() time.Time { return netfd.DialDeadline(d.Timeout, d.Deadline) }

// connect makes the socket and starts the connect: one shim call, or two around Control.
func (d *Dialer) connect(ctx context.Context, host string, port uint16, local *net.TCPAddr) (fd int, inProgress bool,
	err error) {
	chost := C.CString(host)
	defer C.free(unsafe.Pointer(chost))
	var clocal *C.char
	var localPort C.uint16_t
	if local != nil {
		ip := "0.0.0.0"
		switch {
		case local.IP != nil && !local.IP.IsUnspecified():
			ip = local.IP.String()
		case net.ParseIP(host).To4() == nil:
			ip = "::"
		}
		clocal = C.CString(ip)
		defer C.free(unsafe.Pointer(clocal))
		localPort = C.uint16_t(local.Port)
	}
	var progress C.int
	control := d.Control
	if d.ControlContext != nil {
		control = func(network, address string, c syscall.RawConn) error {
			return d.ControlContext(ctx, network, address, c)
		}
	}
	if control == nil {
		fd = int(C.gocoro_tcp_connect(chost, C.uint16_t(port), clocal, localPort, &progress))
		if fd < 0 {
			return -1, false, os.NewSyscallError("connect", unix.Errno(-fd))
		}
		return fd, progress != 0, nil
	}
	if fd, err = openSocket(chost, false, host, port, control); err != nil {
		return -1, false, err
	}
	if e := C.gocoro_tcp_connect_fd(C.int(fd), chost, C.uint16_t(port), clocal, localPort, &progress); e != 0 {
		unix.Close(fd)
		return -1, false, os.NewSyscallError("connect", unix.Errno(-e))
	}
	return fd, progress != 0, nil
}

// ListenConfig holds options for listening, as net.ListenConfig does for Go's net (the zero value is what Listen
// uses).
type ListenConfig struct {
	// Control, if not nil, is called with the socket after it is made (SO_REUSEADDR set) and before it is bound,
	// with network "tcp4" or "tcp6" and the "ip:port" to bind; an error aborts the listen. Only the RawConn's
	// Control method may be used (Read and Write fail with syscall.EINVAL).
	Control func(network, address string, c syscall.RawConn) error

	// KeepAlive and KeepAliveConfig apply to every accepted connection, as Dialer's do to dialled ones.
	KeepAlive       time.Duration
	KeepAliveConfig net.KeepAliveConfig
}

// Listen binds address and listens on it as the package-level Listen does, with lc's options.
func (lc *ListenConfig) Listen(ctx context.Context, s *coro.IOScheduler, address string) (*Listener, error) {
	if err := ctx.Err(); err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	if s == nil {
		return nil, newOpError("listen", nil, nil, argerr.New("nil *coro.IOScheduler"))
	}
	host, port, _, err := netaddr.Split(address, false)
	if err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	laddr := &net.TCPAddr{IP: net.ParseIP(host), Port: int(port)}
	fd, err := lc.listen(host, port)
	if err != nil {
		return nil, newOpError("listen", nil, laddr, err)
	}
	f, err := netfd.New(s, fd)
	if err != nil {
		return nil, newOpError("listen", nil, laddr, err)
	}
	if a := sockAddr(fd, false); a != nil {
		f.Laddr = a
	} else {
		f.Laddr = laddr
	}
	l := &Listener{fd: f, keepAlive: lc.KeepAlive, keepAliveConfig: lc.KeepAliveConfig}
	l.accept = l.peer.accept
	if a := f.Laddr.(*net.TCPAddr); !a.IP.IsUnspecified() {
		l.localIP = a.IP
	}
	return l, nil
}

// listen makes the listening socket: one shim call, or two around Control.
func (lc *ListenConfig) listen(host string, port uint16) (int, error) {
	chost := C.CString(host)
	defer C.free(unsafe.Pointer(chost))
	if lc.Control == nil {
		fd := int(C.gocoro_tcp_listen(chost, C.uint16_t(port), Backlog))
		if fd < 0 {
			return -1, os.NewSyscallError("listen", unix.Errno(-fd))
		}
		return fd, nil
	}
	fd, err := openSocket(chost, true, host, port, lc.Control)
	if err != nil {
		return -1, err
	}
	if e := C.gocoro_tcp_bind_listen(C.int(fd), chost, C.uint16_t(port), Backlog); e != 0 {
		unix.Close(fd)
		return -1, os.NewSyscallError("listen", unix.Errno(-e))
	}
	return fd, nil
}

// openSocket makes an unbound socket for host's family and runs control on it; the socket is closed if control fails
// or panics.
func openSocket(chost *C.char, listener bool, host string, port uint16,
	control func(network, address string, c syscall.RawConn) error) (int, error) {
	var l C.int
	if listener {
		l = 1
	}
	fd := int(C.gocoro_tcp_socket(chost, l))
	if fd < 0 {
		return -1, os.NewSyscallError("socket", unix.Errno(-fd))
	}
	network := "tcp4"
	if net.ParseIP(host).To4() == nil {
		network = "tcp6"
	}
	if err := netfd.RunControl(fd, network, net.JoinHostPort(host, strconv.Itoa(int(port))), control); err != nil {
		return -1, err
	}
	return fd, nil
}

// setKeepAliveDefault turns keep-alive on for a new connection (not yet shared) as Go's net does for its dialled and
// accepted ones: with config when config.Enable is set, else with period unless it is negative. Like Go's net it
// ignores a failure: the connection is usable without keep-alive.
func (c *Conn) setKeepAliveDefault(period time.Duration, config net.KeepAliveConfig) {
	if !config.Enable {
		if period < 0 {
			return
		}
		config = net.KeepAliveConfig{Enable: true, Idle: period}
	}
	setKeepAliveConfig(c.fd.Sysfd, config)
}
