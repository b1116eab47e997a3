// Package udp is UDP over gocoro's C++ core with the semantics of libcoro's coro::net::udp::peer: a Peer bound
// with Listen sends and receives datagrams, one made with NewPeer is unbound and only sends. Sockets are created
// by the shim (endpoints converted by coro::net) and tied to a coro.IOScheduler's lifetime.
//
//	s, _ := coro.NewIOScheduler(coro.IOSchedulerOptions{})
//	p, _ := udp.Listen(ctx, s, "0.0.0.0:0")      // peer(scheduler, info{0.0.0.0, 0})
//	n, from, err := p.ReadFromUDPAddrPort(buf)   // no allocation
//	_, err = p.WriteToUDPAddrPort(reply, from)
//
// Peer implements net.PacketConn (deadlines included).
//
// Threads: ReadFrom and WriteTo make one recvfrom/sendto (MSG_NOSIGNAL) system call from Go on the calling
// goroutine's thread. Only when the socket is not ready (EAGAIN) does the goroutine wait, in Go's runtime poller
// as Go's net does (see net/tcp's package doc for why not on the IOScheduler's epoll loop); no scheduler thread
// ever runs Go code for a Peer.
//
// Concurrency and lifetime: a Peer may be used from any number of goroutines; concurrent reads (and concurrent
// writes) are serialised, reads and writes proceed independently. Close may be called at any time: blocked
// ReadFrom/WriteTo calls return errors wrapping net.ErrClosed and the descriptor is closed once they have all
// left. Closing the IOScheduler closes its Peers first.
//
// Errors are *net.OpError values (Net "udp") naming the operation and addresses and wrapping a syscall.Errno in
// an *os.SyscallError (errors.Is(err, unix.EADDRINUSE)), net.ErrClosed, os.ErrDeadlineExceeded, ErrNotBound
// or the context's error.
//
// Differences from libcoro, on purpose: Listen does not share ports unless ListenConfig.ReusePort is set (libcoro
// always sets SO_REUSEPORT, so a second bind to a port in use would silently succeed), and IPv6 endpoints work.
// As in libcoro, writing an empty datagram sends nothing and returns 0, and a datagram longer than the buffer is
// truncated.
package udp

/*
#include "cshim/net/udp.h"
*/
import "C"

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/internal/argerr"
	"github.com/gocoro/gocoro/net/internal/netaddr"
	"github.com/gocoro/gocoro/net/internal/netfd"
	"github.com/gocoro/gocoro/net/ip"
)

// ErrNotBound is what reading from an unbound (send-only) Peer reports: libcoro's recv_status::udp_not_bound.
var ErrNotBound = errors.New("udp: peer is not bound (send-only)")

// Peer is a UDP socket on an IOScheduler, like coro::net::udp::peer. It implements net.PacketConn.
type Peer struct {
	fd    *netfd.FD
	v6    bool // the socket's domain
	bound bool
	// Local address: fixed for bound peers; an unbound peer learns its port from the first send.
	laddr   atomic.Pointer[net.UDPAddr]
	learned atomic.Bool
	sys     sysState
}

var _ net.PacketConn = (*Peer)(nil)

// NewPeer creates an unbound, send-only Peer of domain d (peer(scheduler, domain)); its datagrams wait for
// readiness on s. The kernel picks its source port at the first send.
func NewPeer(s *coro.IOScheduler, d ip.Domain) (*Peer, error) {
	if s == nil {
		return nil, newOpError("socket", nil, nil, argerr.New("nil *coro.IOScheduler"))
	}
	if d != ip.IPv4 && d != ip.IPv6 {
		return nil, newOpError("socket", nil, nil, argerr.New("domain "+d.String()))
	}
	fd := int(C.gocoro_udp_open(C.int32_t(d)))
	if fd < 0 {
		return nil, newOpError("socket", nil, nil, os.NewSyscallError("socket", unix.Errno(-fd)))
	}
	return newPeer(s, fd, d == ip.IPv6, false)
}

// ListenConfig holds options for binding a Peer.
type ListenConfig struct {
	// ReusePort sets SO_REUSEADDR and SO_REUSEPORT before binding, as libcoro's udp::peer always does: several
	// sockets may then share the port (the kernel spreads datagrams among them).
	ReusePort bool

	// Control, if not nil, is called with the socket after it is made and before it is bound (and before
	// ReusePort's options are set), with network "udp4" or "udp6" and the "ip:port" to bind, as
	// net.ListenConfig's; an error aborts the listen. Only the RawConn's Control method may be used (Read and Write
	// fail with syscall.EINVAL).
	Control func(network, address string, c syscall.RawConn) error
}

// Listen binds a Peer to address ("host:port": host an IPv4 or IPv6 literal, "localhost" for 127.0.0.1 or empty
// for 0.0.0.0; port 0 picks a free port, see LocalAddr). It is peer(scheduler, info). ctx only bounds the call.
func Listen(ctx context.Context, s *coro.IOScheduler, address string) (*Peer, error) {
	return ListenConfig{}.Listen(ctx, s, address)
}

// Listen is the package-level Listen with lc's options.
func (lc ListenConfig) Listen(ctx context.Context, s *coro.IOScheduler, address string) (*Peer, error) {
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
	ap := netip.AddrPortFrom(netip.MustParseAddr(host), port)
	laddr := net.UDPAddrFromAddrPort(ap)
	reuse := C.int(0)
	if lc.ReusePort {
		reuse = 1
	}
	fd, err := lc.bind(ap, reuse)
	if err != nil {
		return nil, newOpError("listen", nil, laddr, err)
	}
	return newPeer(s, fd, ap.Addr().Is6(), true)
}

// bind makes the bound socket: one shim call, or two around Control.
func (lc ListenConfig) bind(ap netip.AddrPort, reuse C.int) (int, error) {
	if lc.Control == nil {
		fd := int(C.gocoro_udp_bind(toC(ap), reuse))
		if fd < 0 {
			return -1, os.NewSyscallError("bind", unix.Errno(-fd))
		}
		return fd, nil
	}
	addr := toC(ap)
	fd := int(C.gocoro_udp_open(addr.domain))
	if fd < 0 {
		return -1, os.NewSyscallError("socket", unix.Errno(-fd))
	}
	network := "udp4"
	if ap.Addr().Is6() {
		network = "udp6"
	}
	if err := netfd.RunControl(fd, network, ap.String(), lc.Control); err != nil {
		return -1, err
	}
	if e := C.gocoro_udp_bind_fd(C.int(fd), addr, reuse); e != 0 {
		unix.Close(fd)
		return -1, os.NewSyscallError("bind", unix.Errno(-e))
	}
	return fd, nil
}

func newPeer(s *coro.IOScheduler, fd int, v6, bound bool) (*Peer, error) {
	f, err := netfd.New(s, fd)
	if err != nil {
		return nil, newOpError("socket", nil, nil, err)
	}
	p := &Peer{fd: f, v6: v6, bound: bound}
	p.sys.init()
	p.laddr.Store(localAddr(fd))
	f.Laddr = p.laddr.Load()
	return p, nil
}

func localAddr(fd int) *net.UDPAddr {
	r := C.gocoro_udp_local(C.int(fd))
	if r.n < 0 {
		return &net.UDPAddr{}
	}
	return net.UDPAddrFromAddrPort(fromC(&r.addr))
}

// toC converts an endpoint; the caller has matched its family to the socket's.
func toC(ap netip.AddrPort) C.gocoro_udp_addr {
	var c C.gocoro_udp_addr
	c.port = C.uint16_t(ap.Port())
	a := ap.Addr()
	b := (*[16]byte)(unsafe.Pointer(&c.bytes[0]))
	if a.Is4() {
		c.domain = unix.AF_INET
		v := a.As4()
		copy(b[:], v[:])
	} else {
		c.domain = unix.AF_INET6
		*b = a.As16()
	}
	return c
}

func fromC(c *C.gocoro_udp_addr) netip.AddrPort {
	b := (*[16]byte)(unsafe.Pointer(&c.bytes[0]))
	if c.domain == unix.AF_INET {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), uint16(c.port))
	}
	return netip.AddrPortFrom(netip.AddrFrom16(*b), uint16(c.port))
}

// target fits a destination to the socket's family: an IPv4-mapped address becomes IPv4 on an IPv4 socket, an
// IPv4 address becomes IPv4-mapped on an IPv6 socket.
func (p *Peer) target(ap netip.AddrPort) (netip.AddrPort, error) {
	a := ap.Addr()
	switch {
	case !a.IsValid():
		return ap, &net.AddrError{Err: "missing address", Addr: ap.String()}
	case p.v6 && a.Is4():
		a = netip.AddrFrom16(a.As16())
	case !p.v6 && a.Is4In6():
		a = a.Unmap()
	case !p.v6 && a.Is6():
		return ap, os.NewSyscallError("sendto", unix.EAFNOSUPPORT)
	}
	return netip.AddrPortFrom(a.WithZone(""), ap.Port()), nil
}

func newOpError(op string, src, dst net.Addr, err error) error {
	if err == nil {
		return nil
	}
	return &net.OpError{Op: op, Net: "udp", Source: src, Addr: dst, Err: err}
}

func wrapErrno(call string, err error) error {
	if e, ok := err.(unix.Errno); ok {
		return os.NewSyscallError(call, e)
	}
	return err
}

// readFrom is the receive path: one recvfrom, a wait in Go's poller only on EAGAIN, no allocation.
func (p *Peer) readFrom(ctx context.Context, b []byte) (int, netip.AddrPort, error) {
	f := p.file()
	if err := f.Lock(ctx, netfd.Read); err != nil {
		return 0, netip.AddrPort{}, err
	}
	defer f.Unlock(netfd.Read)
	if !p.bound {
		return 0, netip.AddrPort{}, ErrNotBound
	}
	p.sys.recvBuf = b
	n, err := f.Retry(ctx, netfd.Read, p.sys.recvOp)
	p.sys.recvBuf = nil
	if err != nil {
		return 0, netip.AddrPort{}, wrapErrno("recvfrom", err)
	}
	return int(n), p.sys.sender(), nil
}

// writeTo sends b as one datagram to ap (one sendto; a wait in Go's poller only on EAGAIN).
func (p *Peer) writeTo(ctx context.Context, b []byte, ap netip.AddrPort) (int, error) {
	to, err := p.target(ap)
	if err != nil {
		return 0, err
	}
	f := p.file()
	if err := f.Lock(ctx, netfd.Write); err != nil {
		return 0, err
	}
	defer f.Unlock(netfd.Write)
	if len(b) == 0 {
		return 0, nil // libcoro's sendto: an empty buffer sends nothing
	}
	p.sys.sendBuf = b
	p.sys.setTo(to)
	n, err := f.Retry(ctx, netfd.Write, p.sys.sendOp)
	p.sys.sendBuf = nil
	if err != nil {
		return 0, wrapErrno("sendto", err)
	}
	if !p.bound && !p.learned.Load() {
		// The kernel bound the socket at this first send: record the port it chose (we hold a reference).
		p.laddr.Store(localAddr(f.Sysfd))
		p.learned.Store(true)
	}
	return int(n), nil
}

// ReadFrom reads one datagram into b and returns its length and sender (net.PacketConn). A datagram longer than
// b is truncated. On an unbound Peer it fails with ErrNotBound.
func (p *Peer) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := p.readFrom(context.Background(), b)
	if err != nil {
		return 0, nil, newOpError("read", p.LocalAddr(), nil, err)
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// ReadFromUDP is ReadFrom returning the concrete address type.
func (p *Peer) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	n, from, err := p.readFrom(context.Background(), b)
	if err != nil {
		return 0, nil, newOpError("read", p.LocalAddr(), nil, err)
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// ReadFromUDPAddrPort is ReadFrom without allocation: the sender comes back as a netip.AddrPort (IPv4 senders of
// an IPv6 socket appear IPv4-mapped, as the kernel reports them).
func (p *Peer) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	return p.ReadFromContext(context.Background(), b)
}

// ReadFromContext is ReadFromUDPAddrPort that gives up when ctx ends (the error wraps ctx.Err()); the Peer stays
// usable and no datagram is lost.
func (p *Peer) ReadFromContext(ctx context.Context, b []byte) (int, netip.AddrPort, error) {
	n, from, err := p.readFrom(ctx, b)
	if err != nil {
		return 0, netip.AddrPort{}, newOpError("read", p.LocalAddr(), nil, err)
	}
	return n, from, nil
}

// WriteTo sends b as one datagram to addr, a *net.UDPAddr (net.PacketConn).
func (p *Peer) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok || ua == nil {
		return 0, newOpError("write", p.LocalAddr(), addr, unix.EINVAL)
	}
	return p.WriteToUDP(b, ua)
}

// WriteToUDP is WriteTo with the concrete address type.
func (p *Peer) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) {
	if addr == nil || addr.Port < 0 || addr.Port > 65535 {
		return 0, newOpError("write", p.LocalAddr(), addr, &net.AddrError{Err: "invalid address", Addr: addr.String()})
	}
	n, err := p.writeTo(context.Background(), b, addr.AddrPort())
	if err != nil {
		return 0, newOpError("write", p.LocalAddr(), addr, err)
	}
	return n, nil
}

// WriteToUDPAddrPort is WriteTo without allocation.
func (p *Peer) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return p.WriteToContext(context.Background(), b, addr)
}

// WriteToContext is WriteToUDPAddrPort that gives up when ctx ends while the socket is not writable.
func (p *Peer) WriteToContext(ctx context.Context, b []byte, addr netip.AddrPort) (int, error) {
	n, err := p.writeTo(ctx, b, addr)
	if err != nil {
		return 0, newOpError("write", p.LocalAddr(), net.UDPAddrFromAddrPort(addr), err)
	}
	return n, nil
}

// Bound reports whether the Peer was bound by Listen (and so can receive).
func (p *Peer) Bound() bool { return p.bound }

// LocalAddr returns the local address (*net.UDPAddr): for a bound Peer the actual port; for an unbound one
// 0.0.0.0:0 (or [::]:0) until its first send, then the address the kernel chose.
func (p *Peer) LocalAddr() net.Addr { return p.laddr.Load() }

// Close closes the Peer. Goroutines blocked in ReadFrom or WriteTo return errors wrapping net.ErrClosed; the
// descriptor is closed once every one of them has left. A second Close returns an error
// wrapping net.ErrClosed.
func (p *Peer) Close() error {
	if !p.file().Close() {
		return newOpError("close", nil, p.LocalAddr(), net.ErrClosed)
	}
	return nil
}

// SetDeadline sets the read and write deadlines (net.PacketConn).
func (p *Peer) SetDeadline(t time.Time) error {
	if err := p.SetReadDeadline(t); err != nil {
		return err
	}
	return p.SetWriteDeadline(t)
}

// SetReadDeadline bounds pending and future reads: once t has passed they fail with an error for which
// os.IsTimeout is true (errors.Is(err, os.ErrDeadlineExceeded)). The zero time means no deadline.
func (p *Peer) SetReadDeadline(t time.Time) error {
	if err := p.file().SetDeadline(netfd.Read, t); err != nil {
		return newOpError("set", nil, p.LocalAddr(), err)
	}
	return nil
}

// SetWriteDeadline is SetReadDeadline for writes.
func (p *Peer) SetWriteDeadline(t time.Time) error {
	if err := p.file().SetDeadline(netfd.Write, t); err != nil {
		return newOpError("set", nil, p.LocalAddr(), err)
	}
	return nil
}

// file is the socket, or for a zero Peer (not made by this package) a closed one: its methods then fail with
// net.ErrClosed instead of crashing.
func (p *Peer) file() *netfd.FD { return netfd.Or(p.fd) }
