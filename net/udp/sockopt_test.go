package udp_test

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/internal/nettest"
	"github.com/gocoro/gocoro/net/udp"
)

// Buffer sizes reach the socket; SyscallConn's Read waits for a datagram like ReadFrom; after Close every method
// fails with net.ErrClosed.
func TestSocketOptionsAndRawConn(t *testing.T) {
	s := newScheduler(t)
	p := listen(t, s, "127.0.0.1:0")
	rc, err := p.SyscallConn()
	require.NoError(t, err)
	getInt := func(opt int) int {
		var v int
		var gerr error
		require.NoError(t, rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, opt) }))
		require.NoError(t, gerr)
		return v
	}
	require.NoError(t, p.SetReadBuffer(64<<10))
	require.GreaterOrEqual(t, getInt(unix.SO_RCVBUF), 64<<10)
	require.NoError(t, p.SetWriteBuffer(64<<10))
	require.GreaterOrEqual(t, getInt(unix.SO_SNDBUF), 64<<10)

	sender := listen(t, s, "127.0.0.1:0")
	to := addrPort(t, p)
	go func() {
		_, err := sender.WriteToUDPAddrPort([]byte("raw"), to)
		if err != nil {
			t.Error(err)
		}
	}()
	buf := make([]byte, 16)
	var n int
	var rerr error
	require.NoError(t, rc.Read(func(fd uintptr) bool {
		n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
		return rerr != unix.EAGAIN
	}))
	require.NoError(t, rerr)
	require.Equal(t, "raw", string(buf[:n]))

	require.NoError(t, p.Close())
	require.ErrorIs(t, p.SetReadBuffer(1024), net.ErrClosed)
	require.ErrorIs(t, rc.Control(func(uintptr) { t.Error("Control ran after Close") }), net.ErrClosed)
	require.ErrorIs(t, rc.Read(func(uintptr) bool { t.Error("Read ran after Close"); return true }), net.ErrClosed)
	_, err = p.SyscallConn()
	require.ErrorIs(t, err, net.ErrClosed)
}

// ListenConfig.Control sees the socket before it is bound; its error aborts the listen and closes the socket.
func TestListenControl(t *testing.T) {
	s := newScheduler(t)
	var call nettest.ControlCall
	lc := udp.ListenConfig{Control: nettest.ReusePortControl(&call)}
	p1, err := lc.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer p1.Close()
	require.Equal(t, "udp4", call.Network)
	require.Equal(t, "127.0.0.1:0", call.Address)
	require.ErrorIs(t, call.ReadErr, syscall.EINVAL)
	p2, err := lc.Listen(context.Background(), s, p1.LocalAddr().String())
	require.NoError(t, err, "SO_REUSEPORT set by Control lets a second peer share the port")
	defer p2.Close()

	fds := leakcheck.FDs()
	failure := errors.New("refused by Control")
	lc = udp.ListenConfig{Control: func(string, string, syscall.RawConn) error { return failure }}
	_, err = lc.Listen(context.Background(), s, "[::1]:0")
	require.ErrorIs(t, err, failure)
	lc = udp.ListenConfig{Control: func(string, string, syscall.RawConn) error { return nil }}
	_, err = lc.Listen(context.Background(), s, p1.LocalAddr().String())
	require.ErrorIs(t, err, unix.EADDRINUSE, "without SO_REUSEPORT on this one, the port is taken")
	lc = udp.ListenConfig{Control: func(string, string, syscall.RawConn) error { panic("in Control") }}
	require.PanicsWithValue(t, "in Control", func() { lc.Listen(context.Background(), s, "127.0.0.1:0") })
	require.Equal(t, fds, leakcheck.FDs())
}
