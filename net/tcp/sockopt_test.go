package tcp_test

import (
	"context"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/tcp"
)

// connPair returns a dialled connection and its accepted end.
func connPair(t *testing.T) (*tcp.Conn, *tcp.Conn) {
	t.Helper()
	s := newScheduler(t)
	ln := listen(t, s)
	accepted := make(chan *tcp.Conn, 1)
	go func() {
		a, err := ln.AcceptTCP()
		if err != nil {
			a = nil
		}
		accepted <- a
	}()
	d, err := tcp.Dial(context.Background(), s, ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	a := <-accepted
	require.NotNil(t, a)
	t.Cleanup(func() { a.Close() })
	return d, a
}

// sockopt reads an integer socket option through SyscallConn's Control.
func sockopt(t *testing.T, c *tcp.Conn, level, opt int) int {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var v int
	var gerr error
	require.NoError(t, rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), level, opt) }))
	require.NoError(t, gerr)
	return v
}

// requireKeepAlive checks that keep-alive is on with the given idle and interval seconds and probe count.
func requireKeepAlive(t *testing.T, c *tcp.Conn, idle, interval, count int) {
	t.Helper()
	require.Equal(t, 1, sockopt(t, c, unix.SOL_SOCKET, unix.SO_KEEPALIVE))
	require.Equal(t, idle, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE))
	require.Equal(t, interval, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL))
	require.Equal(t, count, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPCNT))
}

// The setters reach the socket with net.TCPConn's units and defaults.
func TestSocketOptions(t *testing.T) {
	c, a := connPair(t)
	for _, conn := range []*tcp.Conn{c, a} {
		require.Equal(t, 1, sockopt(t, conn, unix.IPPROTO_TCP, unix.TCP_NODELAY), "no delay by default, as in Go's net")
		requireKeepAlive(t, conn, 15, 15, 9) // Go's net.Dial and Accept defaults
	}
	require.NoError(t, c.SetNoDelay(false))
	require.Equal(t, 0, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_NODELAY))

	require.NoError(t, c.SetKeepAlive(false))
	require.Equal(t, 0, sockopt(t, c, unix.SOL_SOCKET, unix.SO_KEEPALIVE))
	require.NoError(t, c.SetKeepAlive(true))
	require.Equal(t, 1, sockopt(t, c, unix.SOL_SOCKET, unix.SO_KEEPALIVE))
	require.NoError(t, c.SetKeepAlivePeriod(1500*time.Millisecond))
	require.Equal(t, 2, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE), "rounded up to whole seconds")
	count := sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPCNT)
	require.NoError(t, c.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Interval: 3 * time.Second, Count: -1}))
	require.Equal(t, 15, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE), "0 means Go's default")
	require.Equal(t, 3, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL))
	require.Equal(t, count, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPCNT), "negative leaves it unchanged")
	require.NoError(t, c.SetKeepAliveConfig(net.KeepAliveConfig{}))
	require.Equal(t, 0, sockopt(t, c, unix.SOL_SOCKET, unix.SO_KEEPALIVE))
	require.Equal(t, 9, sockopt(t, c, unix.IPPROTO_TCP, unix.TCP_KEEPCNT))

	require.NoError(t, c.SetReadBuffer(64<<10))
	require.GreaterOrEqual(t, sockopt(t, c, unix.SOL_SOCKET, unix.SO_RCVBUF), 64<<10)
	require.NoError(t, c.SetWriteBuffer(64<<10))
	require.GreaterOrEqual(t, sockopt(t, c, unix.SOL_SOCKET, unix.SO_SNDBUF), 64<<10)

	require.NoError(t, c.SetLinger(0))
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var l *unix.Linger
	getLinger := func(fd uintptr) { l, err = unix.GetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER) }
	require.NoError(t, rc.Control(getLinger))
	require.NoError(t, err)
	require.Equal(t, unix.Linger{Onoff: 1, Linger: 0}, *l)
	require.NoError(t, c.SetLinger(-1))
	require.NoError(t, rc.Control(getLinger))
	require.NoError(t, err)
	require.Zero(t, l.Onoff)
}

// CloseRead ends the reading side only; SyscallConn's Read and Write wait for readiness and honour deadlines.
func TestCloseReadAndRawConn(t *testing.T) {
	c, peer := connPair(t)
	rc, err := c.SyscallConn()
	require.NoError(t, err)

	go func() { _, _ = peer.Write([]byte("hi")) }()
	buf := make([]byte, 8)
	var n int
	require.NoError(t, rc.Read(func(fd uintptr) bool {
		n, err = unix.Read(int(fd), buf)
		return err != unix.EAGAIN
	}))
	require.NoError(t, err)
	require.Equal(t, "hi", string(buf[:n]))

	require.NoError(t, rc.Write(func(fd uintptr) bool {
		n, err = unix.Write(int(fd), []byte("yo"))
		return err != unix.EAGAIN
	}))
	require.NoError(t, err)
	_, err = io.ReadFull(peer, buf[:2])
	require.NoError(t, err)
	require.Equal(t, "yo", string(buf[:2]))

	require.NoError(t, c.SetReadDeadline(time.Now().Add(-time.Second)))
	err = rc.Read(func(uintptr) bool { return false })
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.NoError(t, c.SetReadDeadline(time.Time{}))

	require.NoError(t, c.CloseRead())
	_, err = c.Read(buf)
	require.ErrorIs(t, err, io.EOF)
	_, err = c.Write([]byte("still open"))
	require.NoError(t, err, "the writing side stays open")
}

// After Close every setter and the raw access fail with net.ErrClosed (no use of a closed descriptor).
func TestSocketOptionsAfterClose(t *testing.T) {
	c, _ := connPair(t)
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	require.NoError(t, c.Close())
	for name, err := range map[string]error{
		"SetNoDelay":         c.SetNoDelay(true),
		"SetKeepAlive":       c.SetKeepAlive(true),
		"SetKeepAlivePeriod": c.SetKeepAlivePeriod(time.Second),
		"SetKeepAliveConfig": c.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true}),
		"SetLinger":          c.SetLinger(0),
		"SetReadBuffer":      c.SetReadBuffer(1 << 16),
		"SetWriteBuffer":     c.SetWriteBuffer(1 << 16),
		"CloseRead":          c.CloseRead(),
		"Control":            rc.Control(func(uintptr) { t.Error("Control ran on a closed connection") }),
		"Read":               rc.Read(func(uintptr) bool { t.Error("Read ran on a closed connection"); return true }),
		"Write":              rc.Write(func(uintptr) bool { t.Error("Write ran on a closed connection"); return true }),
	} {
		require.ErrorIs(t, err, net.ErrClosed, name)
		var op *net.OpError
		require.ErrorAs(t, err, &op, name)
	}
	_, err = c.SyscallConn()
	require.ErrorIs(t, err, net.ErrClosed)
}

// A listener's SyscallConn runs Control on the listening socket (here: reading SO_ACCEPTCONN) and refuses Read and
// Write, as *net.TCPListener's does; after Close it refuses everything.
func TestListenerSyscallConn(t *testing.T) {
	ln := listen(t, newScheduler(t))
	rc, err := ln.SyscallConn()
	require.NoError(t, err)
	var accepting int
	require.NoError(t, rc.Control(func(fd uintptr) {
		accepting, err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	}))
	require.NoError(t, err)
	require.Equal(t, 1, accepting)
	require.ErrorIs(t, rc.Read(func(uintptr) bool { t.Error("Read ran on a listener"); return true }), unix.EINVAL)
	require.ErrorIs(t, rc.Write(func(uintptr) bool { t.Error("Write ran on a listener"); return true }), unix.EINVAL)
	require.NoError(t, ln.Close())
	require.ErrorIs(t, rc.Control(func(uintptr) { t.Error("Control ran on a closed listener") }), net.ErrClosed)
	_, err = ln.SyscallConn()
	require.ErrorIs(t, err, net.ErrClosed)
}
