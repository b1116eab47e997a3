package udp_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/ip"
	"github.com/gocoro/gocoro/net/udp"
)

func TestMain(m *testing.M) { leakcheck.Main(m, 5*time.Second, nil) }

func newScheduler(t *testing.T) *coro.IOScheduler {
	t.Helper()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func listen(t *testing.T, s *coro.IOScheduler, address string) *udp.Peer {
	t.Helper()
	p, err := udp.Listen(context.Background(), s, address)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func addrPort(t *testing.T, p *udp.Peer) netip.AddrPort {
	t.Helper()
	ap := p.LocalAddr().(*net.UDPAddr).AddrPort()
	require.NotZero(t, ap.Port())
	return ap
}

func loopback(ap netip.AddrPort) netip.AddrPort {
	if ap.Addr().Is4() {
		return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ap.Port())
	}
	return netip.AddrPortFrom(netip.IPv6Loopback(), ap.Port())
}

func TestEcho(t *testing.T) {
	s := newScheduler(t)
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		server, err := udp.Listen(context.Background(), s, host+":0")
		if err != nil && host == "[::1]" {
			t.Logf("no IPv6 loopback here: %v", err)
			continue
		}
		require.NoError(t, err)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // echo until closed
			defer wg.Done()
			buf := make([]byte, 2048)
			for {
				n, from, err := server.ReadFromUDPAddrPort(buf)
				if err != nil {
					require.ErrorIs(t, err, net.ErrClosed)
					return
				}
				_, err = server.WriteToUDPAddrPort(buf[:n], from)
				require.NoError(t, err)
			}
		}()
		const clients, msgs = 4, 50
		var cw sync.WaitGroup
		for i := 0; i < clients; i++ {
			cw.Add(1)
			go func(i int) {
				defer cw.Done()
				c, err := udp.Listen(context.Background(), s, host+":0")
				require.NoError(t, err)
				defer c.Close()
				buf := make([]byte, 2048)
				for j := 0; j < msgs; j++ {
					msg := []byte(fmt.Sprintf("client %d message %d", i, j))
					_, err := c.WriteTo(msg, net.UDPAddrFromAddrPort(loopback(addrPort(t, server))))
					require.NoError(t, err)
					require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
					n, from, err := c.ReadFrom(buf)
					require.NoError(t, err)
					require.Equal(t, msg, buf[:n])
					require.Equal(t, loopback(addrPort(t, server)), from.(*net.UDPAddr).AddrPort())
				}
			}(i)
		}
		cw.Wait()
		require.NoError(t, server.Close())
		wg.Wait()
	}
}

func TestUnboundPeer(t *testing.T) {
	s := newScheduler(t)
	recv := listen(t, s, "127.0.0.1:0")
	sender, err := udp.NewPeer(s, ip.IPv4)
	require.NoError(t, err)
	defer sender.Close()
	require.False(t, sender.Bound())
	require.True(t, recv.Bound())
	require.Equal(t, "0.0.0.0:0", sender.LocalAddr().String())

	// libcoro: recvfrom on an unbound peer reports udp_not_bound.
	_, _, err = sender.ReadFrom(make([]byte, 8))
	require.ErrorIs(t, err, udp.ErrNotBound)
	var op *net.OpError
	require.ErrorAs(t, err, &op)
	require.Equal(t, "read", op.Op)

	n, err := sender.WriteToUDPAddrPort([]byte("hello"), addrPort(t, recv))
	require.NoError(t, err)
	require.Equal(t, 5, n)
	sport := sender.LocalAddr().(*net.UDPAddr).Port
	require.NotZero(t, sport, "the unbound peer learns the port the kernel chose")
	buf := make([]byte, 8)
	n, from, err := recv.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, "hello", string(buf[:n]))
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), from.Addr())
	require.Equal(t, uint16(sport), from.Port())

	_, err = udp.NewPeer(s, ip.Domain(3))
	require.ErrorIs(t, err, coro.ErrInvalid)
}

func TestDatagramEdges(t *testing.T) {
	s := newScheduler(t)
	a := listen(t, s, "127.0.0.1:0")
	b := listen(t, s, "127.0.0.1:0")
	// Empty write: libcoro's sendto sends nothing for an empty buffer.
	n, err := a.WriteToUDPAddrPort(nil, addrPort(t, b))
	require.NoError(t, err)
	require.Zero(t, n)
	// Truncation: the datagram is cut to the buffer, the next one is intact.
	_, err = a.WriteToUDPAddrPort([]byte("0123456789"), addrPort(t, b))
	require.NoError(t, err)
	_, err = a.WriteToUDPAddrPort([]byte("xy"), addrPort(t, b))
	require.NoError(t, err)
	buf := make([]byte, 4)
	n, _, err = b.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, "0123", string(buf[:n]))
	n, _, err = b.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, "xy", string(buf[:n]))
	// A 60 KiB datagram.
	big := bytes.Repeat([]byte("z"), 60<<10)
	_, err = a.WriteToUDPAddrPort(big, addrPort(t, b))
	require.NoError(t, err)
	rbuf := make([]byte, 64<<10)
	n, _, err = b.ReadFromUDPAddrPort(rbuf)
	require.NoError(t, err)
	require.Equal(t, big, rbuf[:n])
	// Too large for UDP.
	_, err = a.WriteToUDPAddrPort(make([]byte, 70000), addrPort(t, b))
	require.ErrorIs(t, err, syscall.EMSGSIZE)
	// Bad destinations.
	_, err = a.WriteTo([]byte("x"), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1})
	require.ErrorIs(t, err, syscall.EINVAL)
	_, err = a.WriteToUDPAddrPort([]byte("x"), netip.AddrPort{})
	require.Error(t, err)
	_, err = a.WriteToUDPAddrPort([]byte("x"), netip.MustParseAddrPort("[2001:db8::1]:9"))
	require.ErrorIs(t, err, syscall.EAFNOSUPPORT)
	_, err = a.WriteToUDP([]byte("x"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 70000})
	require.Error(t, err)
}

func TestStandardLibraryPeer(t *testing.T) {
	s := newScheduler(t)
	p := listen(t, s, "127.0.0.1:0")
	std, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer std.Close()
	_, err = std.WriteTo([]byte("from std"), p.LocalAddr())
	require.NoError(t, err)
	buf := make([]byte, 32)
	n, from, err := p.ReadFromUDP(buf)
	require.NoError(t, err)
	require.Equal(t, "from std", string(buf[:n]))
	require.Equal(t, std.LocalAddr().String(), from.String())
	// net.ParseIP gives the 16-byte form of an IPv4 address: still sent over the IPv4 socket.
	_, err = p.WriteTo([]byte("to std"), &net.UDPAddr{IP: net.ParseIP("127.0.0.1"), Port: from.Port})
	require.NoError(t, err)
	std.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, sfrom, err := std.ReadFrom(buf)
	require.NoError(t, err)
	require.Equal(t, "to std", string(buf[:n]))
	require.Equal(t, p.LocalAddr().String(), sfrom.String())
}

func TestDualStack(t *testing.T) {
	s := newScheduler(t)
	p, err := udp.Listen(context.Background(), s, "[::]:0")
	if err != nil {
		t.Skipf("no IPv6 here: %v", err)
	}
	defer p.Close()
	q := listen(t, s, "127.0.0.1:0")
	port := addrPort(t, p).Port()
	_, err = q.WriteToUDPAddrPort([]byte("v4"), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port))
	require.NoError(t, err)
	buf := make([]byte, 8)
	n, from, err := p.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, "v4", string(buf[:n]))
	require.True(t, from.Addr().Is4In6(), "%v", from)
	require.Equal(t, addrPort(t, q), netip.AddrPortFrom(from.Addr().Unmap(), from.Port()))
	// An IPv4 destination from the IPv6 socket goes out IPv4-mapped.
	_, err = p.WriteToUDPAddrPort([]byte("back"), addrPort(t, q))
	require.NoError(t, err)
	n, from, err = q.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, "back", string(buf[:n]))
	require.Equal(t, port, from.Port())
}

func TestMalformedAddresses(t *testing.T) {
	s := newScheduler(t)
	ctx := context.Background()
	for _, addr := range []string{"256.1.1.1:80", "[::gg]:1", "", "127.0.0.1:99999", "127.0.0.1", "example.com:80", "[fe80::1%lo]:0"} {
		_, err := udp.Listen(ctx, s, addr)
		require.Error(t, err, addr)
		var op *net.OpError
		require.ErrorAs(t, err, &op, addr)
		require.Equal(t, "listen", op.Op)
		require.Equal(t, "udp", op.Net)
	}
	// The same address rules and errors as net/tcp (net/internal/netaddr).
	_, err := udp.Listen(ctx, s, "256.1.1.1:80")
	var ae *net.AddrError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "256.1.1.1", ae.Addr)
	_, err = udp.Listen(ctx, s, "[::gg]:1")
	require.Contains(t, err.Error(), "::gg")
	_, err = udp.Listen(ctx, s, "127.0.0.1:99999")
	require.Contains(t, err.Error(), "invalid port")
	_, err = udp.Listen(ctx, nil, "127.0.0.1:0")
	require.ErrorIs(t, err, coro.ErrInvalid)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = udp.Listen(cctx, s, "127.0.0.1:0")
	require.ErrorIs(t, err, context.Canceled)
}

func TestPortInUse(t *testing.T) {
	s := newScheduler(t)
	p := listen(t, s, "127.0.0.1:0")
	_, err := udp.Listen(context.Background(), s, p.LocalAddr().String())
	require.ErrorIs(t, err, syscall.EADDRINUSE)
	require.Contains(t, err.Error(), p.LocalAddr().String())
	var op *net.OpError
	require.ErrorAs(t, err, &op)
	require.Equal(t, "listen", op.Op)

	// With ReusePort (libcoro's make_accept_socket behaviour) two peers share a port.
	lc := udp.ListenConfig{ReusePort: true}
	a, err := lc.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer a.Close()
	b, err := lc.Listen(context.Background(), s, a.LocalAddr().String())
	require.NoError(t, err)
	require.NoError(t, b.Close())
}

func TestClosed(t *testing.T) {
	s := newScheduler(t)
	p, err := udp.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	to := addrPort(t, p)
	require.NoError(t, p.Close())
	err = p.Close()
	require.ErrorIs(t, err, net.ErrClosed)
	_, _, err = p.ReadFrom(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = p.WriteToUDPAddrPort([]byte("x"), to)
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = p.WriteToUDPAddrPort(nil, to)
	require.ErrorIs(t, err, net.ErrClosed)
	require.ErrorIs(t, p.SetDeadline(time.Now()), net.ErrClosed)
	var op *net.OpError
	require.ErrorAs(t, err, &op)
	require.Equal(t, "write", op.Op)
}

func TestReadDeadline(t *testing.T) {
	s := newScheduler(t)
	p := listen(t, s, "127.0.0.1:0")
	require.NoError(t, p.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	start := time.Now()
	_, _, err := p.ReadFrom(make([]byte, 1))
	require.True(t, os.IsTimeout(err), "%v", err)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)
	// A deadline moved into the past wakes a blocked read; clearing it makes the peer usable again.
	require.NoError(t, p.SetReadDeadline(time.Time{}))
	errc := make(chan error, 1)
	go func() { _, _, err := p.ReadFrom(make([]byte, 1)); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, p.SetReadDeadline(time.Unix(1, 0)))
	require.ErrorIs(t, <-errc, os.ErrDeadlineExceeded)
	require.NoError(t, p.SetDeadline(time.Time{}))
	_, err = p.WriteToUDPAddrPort([]byte("y"), addrPort(t, p))
	require.NoError(t, err)
	b := make([]byte, 1)
	_, _, err = p.ReadFrom(b)
	require.NoError(t, err)
	require.Equal(t, "y", string(b))
}

func TestContextCancelDuringRead(t *testing.T) {
	s := newScheduler(t)
	p := listen(t, s, "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, _, err := p.ReadFromContext(ctx, make([]byte, 8))
	require.ErrorIs(t, err, context.Canceled)
	var op *net.OpError
	require.ErrorAs(t, err, &op)
	require.Equal(t, "read", op.Op)
	// The pending native poll is reused: the next datagram still arrives, nothing is lost.
	_, err = p.WriteToUDPAddrPort([]byte("after"), addrPort(t, p))
	require.NoError(t, err)
	buf := make([]byte, 8)
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, _, err := p.ReadFromContext(ctx, buf)
	require.NoError(t, err)
	require.Equal(t, "after", string(buf[:n]))
	// Deadline from the context.
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, _, err = p.ReadFromContext(ctx, buf)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestCloseWakesBlockedReaders(t *testing.T) {
	s := newScheduler(t)
	const peers, readersPerPeer = 10, 100 // 1,000 goroutines blocked in ReadFrom
	var ps []*udp.Peer
	for i := 0; i < peers; i++ {
		ps = append(ps, listen(t, s, "127.0.0.1:0"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, peers*readersPerPeer)
	for _, p := range ps {
		for j := 0; j < readersPerPeer; j++ {
			wg.Add(1)
			go func(p *udp.Peer) {
				defer wg.Done()
				_, _, err := p.ReadFrom(make([]byte, 1))
				errs <- err
			}(p)
		}
	}
	time.Sleep(100 * time.Millisecond)
	for _, p := range ps {
		require.NoError(t, p.Close())
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("readers still blocked after Close")
	}
	close(errs)
	for err := range errs {
		require.ErrorIs(t, err, net.ErrClosed)
	}
}

func TestSchedulerCloseClosesPeers(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	p, err := udp.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { _, _, err := p.ReadFrom(make([]byte, 1)); errc <- err }()
	time.Sleep(30 * time.Millisecond)
	require.NoError(t, s.Close())
	require.ErrorIs(t, <-errc, net.ErrClosed)
	require.ErrorIs(t, p.Close(), net.ErrClosed)
	_, err = udp.Listen(context.Background(), s, "127.0.0.1:0")
	require.ErrorIs(t, err, coro.ErrClosed)
}

func TestNoAllocation(t *testing.T) {
	s := newScheduler(t)
	a := listen(t, s, "127.0.0.1:0")
	b := listen(t, s, "127.0.0.1:0")
	to := addrPort(t, b)
	msg, buf := []byte("ping"), make([]byte, 16)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := a.WriteToUDPAddrPort(msg, to); err != nil {
			panic(err)
		}
		if _, _, err := b.ReadFromUDPAddrPort(buf); err != nil {
			panic(err)
		}
	})
	require.Zero(t, allocs)
}

// A zero Peer (not made by NewPeer or Listen) behaves as a closed one: every method returns an error wrapping
// net.ErrClosed instead of crashing.
func TestZeroPeer(t *testing.T) {
	var p udp.Peer
	_, _, err := p.ReadFrom(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed)
	_, _, err = p.ReadFromContext(context.Background(), make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = p.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9})
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = p.WriteToUDPAddrPort([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9"))
	require.ErrorIs(t, err, net.ErrClosed)
	require.ErrorIs(t, p.SetDeadline(time.Now()), net.ErrClosed)
	require.ErrorIs(t, p.SetReadDeadline(time.Now()), net.ErrClosed)
	require.ErrorIs(t, p.SetWriteDeadline(time.Now()), net.ErrClosed)
	require.False(t, p.Bound())
	require.ErrorIs(t, p.Close(), net.ErrClosed)
}
