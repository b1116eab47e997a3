package tcp_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/internal/nettest"
	"github.com/gocoro/gocoro/net/tcp"
)

// acceptOne accepts one connection from ln in the background.
func acceptOne(t *testing.T, ln *tcp.Listener) <-chan *tcp.Conn {
	accepted := make(chan *tcp.Conn, 1)
	go func() {
		a, err := ln.AcceptTCP()
		if err != nil {
			a = nil
		} else {
			t.Cleanup(func() { a.Close() })
		}
		accepted <- a
	}()
	return accepted
}

// Keep-alive follows net.Dialer's and net.ListenConfig's rules on both ends.
func TestDialerKeepAlive(t *testing.T) {
	s := newScheduler(t)
	enabled := net.KeepAliveConfig{Enable: true, Idle: 5 * time.Second, Interval: 2 * time.Second, Count: 3}
	for _, tc := range []struct {
		name      string
		keepAlive time.Duration
		config    net.KeepAliveConfig
		want      []int // idle, interval, count; nil: off
	}{
		{"default", 0, net.KeepAliveConfig{}, []int{15, 15, 9}},
		{"period", 30 * time.Second, net.KeepAliveConfig{}, []int{30, 15, 9}},
		{"off", -1, net.KeepAliveConfig{}, nil},
		{"config", -1, enabled, []int{5, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lc := tcp.ListenConfig{KeepAlive: tc.keepAlive, KeepAliveConfig: tc.config}
			ln, err := lc.Listen(context.Background(), s, "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			accepted := acceptOne(t, ln)
			d := tcp.Dialer{KeepAlive: tc.keepAlive, KeepAliveConfig: tc.config}
			c, err := d.Dial(context.Background(), s, ln.Addr().String())
			require.NoError(t, err)
			defer c.Close()
			a := <-accepted
			require.NotNil(t, a)
			for _, conn := range []*tcp.Conn{c, a} {
				if tc.want == nil {
					require.Equal(t, 0, sockopt(t, conn, unix.SOL_SOCKET, unix.SO_KEEPALIVE))
				} else {
					requireKeepAlive(t, conn, tc.want[0], tc.want[1], tc.want[2])
				}
			}
		})
	}
}

// LocalAddr picks the address the connection comes from; a wrong type or family fails without leaking the socket.
func TestDialerLocalAddr(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s)
	accepted := acceptOne(t, ln)
	d := tcp.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	c, err := d.Dial(context.Background(), s, ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	a := <-accepted
	require.NotNil(t, a)
	require.Equal(t, "127.0.0.2", c.LocalAddr().(*net.TCPAddr).IP.String())
	require.Equal(t, c.LocalAddr().String(), a.RemoteAddr().String())

	fds := leakcheck.FDs()
	d = tcp.Dialer{LocalAddr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}}
	_, err = d.Dial(context.Background(), s, ln.Addr().String())
	var addrErr *net.AddrError
	require.ErrorAs(t, err, &addrErr)
	d = tcp.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv6loopback}}
	_, err = d.Dial(context.Background(), s, ln.Addr().String())
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr)
	require.Equal(t, "dial", opErr.Op)
	require.ErrorContains(t, err, "families differ")
	d = tcp.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "lo"}}
	_, err = d.Dial(context.Background(), s, "[::1]:1")
	require.ErrorAs(t, err, &addrErr)
	require.ErrorContains(t, err, "zones are not supported")
	require.Equal(t, fds, leakcheck.FDs())
}

// Control sees the socket before it is bound or connected; its error aborts the call and closes the socket.
func TestControlHooks(t *testing.T) {
	s := newScheduler(t)
	var call nettest.ControlCall
	lc := tcp.ListenConfig{Control: nettest.ReusePortControl(&call)}
	ln1, err := lc.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer ln1.Close()
	require.Equal(t, "tcp4", call.Network)
	require.Equal(t, "127.0.0.1:0", call.Address)
	require.ErrorIs(t, call.ReadErr, syscall.EINVAL)
	ln2, err := lc.Listen(context.Background(), s, ln1.Addr().String())
	require.NoError(t, err, "SO_REUSEPORT set by Control lets a second listener share the port")
	defer ln2.Close()

	served := make(chan struct{}, 2)
	for _, ln := range []*tcp.Listener{ln1, ln2} {
		go func() {
			if a, err := ln.AcceptTCP(); err == nil {
				a.Close()
			}
			served <- struct{}{}
		}()
	}
	d := tcp.Dialer{Control: func(nw, addr string, c syscall.RawConn) error {
		call.Network, call.Address = nw, addr
		return c.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 32<<10) })
	}}
	c, err := d.Dial(context.Background(), s, ln1.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, "tcp4", call.Network)
	require.Equal(t, ln1.Addr().String(), call.Address)
	require.Equal(t, 64<<10, sockopt(t, c, unix.SOL_SOCKET, unix.SO_RCVBUF), "the kernel doubles the size set in Control")

	<-served // one of the listeners took the connection and closed its end

	fds := leakcheck.FDs()
	failure := errors.New("refused by Control")
	d = tcp.Dialer{Control: func(string, string, syscall.RawConn) error { return failure }}
	_, err = d.Dial(context.Background(), s, ln1.Addr().String())
	require.ErrorIs(t, err, failure)
	lc = tcp.ListenConfig{Control: func(string, string, syscall.RawConn) error { return failure }}
	_, err = lc.Listen(context.Background(), s, "[::1]:0")
	require.ErrorIs(t, err, failure)
	// A panicking hook panics the call (it is the caller's code) and still closes the socket.
	d = tcp.Dialer{Control: func(string, string, syscall.RawConn) error { panic("in Control") }}
	require.PanicsWithValue(t, "in Control", func() { d.Dial(context.Background(), s, ln1.Addr().String()) })
	require.Equal(t, fds, leakcheck.FDs())
}

// ControlContext gets the dial's context and takes Control's place.
func TestControlContext(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s)
	accepted := acceptOne(t, ln)
	type key struct{}
	var got any
	d := tcp.Dialer{
		Control: func(string, string, syscall.RawConn) error {
			t.Error("Control called beside ControlContext")
			return nil
		},
		ControlContext: func(ctx context.Context, _, _ string, _ syscall.RawConn) error {
			got = ctx.Value(key{})
			return nil
		},
	}
	c, err := d.Dial(context.WithValue(context.Background(), key{}, "dial's"), s, ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, "dial's", got)
	require.NotNil(t, <-accepted)
}

// Timeout and Deadline bound the connect like ctx's deadline.
func TestDialerDeadline(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s)
	d := tcp.Dialer{Deadline: time.Now().Add(-time.Second)}
	_, err := d.Dial(context.Background(), s, ln.Addr().String())
	require.ErrorIs(t, err, context.DeadlineExceeded)

	accepted := acceptOne(t, ln)
	d = tcp.Dialer{Timeout: 10 * time.Second, Deadline: time.Now().Add(time.Hour)}
	c, err := d.Dial(context.Background(), s, ln.Addr().String())
	require.NoError(t, err)
	c.Close()
	require.NotNil(t, <-accepted)
}
