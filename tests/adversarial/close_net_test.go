package adversarial

import (
	"context"
	gotls "crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/dns"
	"github.com/gocoro/gocoro/net/ip"
	"github.com/gocoro/gocoro/net/tcp"
	"github.com/gocoro/gocoro/net/tls"
	"github.com/gocoro/gocoro/net/udp"
)

// Every public method of the net types racing Close, from two goroutines per method: tcp.Conn and
// tcp.Listener, tls.Conn (client and server side, handshake included) and tls.Listener, udp.Peer (bound and
// unbound) and dns.Resolver. Calls see only the errors their package documents for a closing object; nothing
// crashes or hangs (a call blocked when Close runs is woken), a second Close reports net.ErrClosed (nothing, for
// the Resolver), and no descriptor, handle or goroutine is left over.

// netAllowed reports whether err is what a net call racing Close may return: the socket closed (net.ErrClosed),
// a deadline or context set by a racing call, the end of the stream or the peer reacting to a racing CloseWrite
// or Close (io.EOF, EPIPE, ECONNRESET; ENOTCONN for a CloseWrite after the peer has gone).
func netAllowed(err error) bool {
	return err == nil || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) || cancelled(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET) ||
		errors.Is(err, unix.ENOTCONN)
}

// netWindow is how long the calls of a round may run before Close: long enough for handshakes and echoes.
const netWindow = 5 * time.Millisecond

// netCheck closes a net object within netWindow, accepts the errors ok accepts, and wants net.ErrClosed from a
// second Close.
func netCheck(ok func(error) bool) raceCheck {
	return raceCheck{window: netWindow, ok: ok, again: func(err error) bool { return errors.Is(err, net.ErrClosed) }}
}

// noNetLeaks records the descriptor, handle and goroutine counts; a cleanup registered now (so run after every
// later one: schedulers, peers) checks that they come back.
func noNetLeaks(t *testing.T) {
	t.Helper()
	fds, handles, goroutines := leakcheck.FDs(), coro.LiveHandles(), runtime.NumGoroutine()
	t.Cleanup(func() {
		if !eventually(15*time.Second, func() bool {
			return leakcheck.FDs() <= fds && coro.LiveHandles() <= handles && runtime.NumGoroutine() <= goroutines
		}) {
			t.Errorf("left over: fds %d -> %d (%s), handles %d -> %d, goroutines %d -> %d", fds, leakcheck.FDs(), openFDs(),
				handles, coro.LiveHandles(), goroutines, runtime.NumGoroutine())
		}
	})
}

// goEcho serves every connection of l by echoing it (through wrap, for TLS) until l closes; it stops with the test.
func goEcho(t *testing.T, l net.Listener, wrap func(net.Conn) net.Conn) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := wrap(c)
				defer w.Close()
				_ = w.SetDeadline(time.Now().Add(30 * time.Second))
				// Hiding the reader's type keeps io.Copy from splicing between two TCPConns: splice's pipes are
				// pooled and closed only by a later GC, which would look like a descriptor leak here.
				_, _ = io.Copy(w, struct{ io.Reader }{w})
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
}

// deadlineBlip sets a deadline a random 0–300 µs away through set, leaves it a random 0–300 µs (long enough to
// cut some calls short), and clears it again, so that most calls still get to move data.
func deadlineBlip(set func(time.Time) error) error {
	if err := set(time.Now().Add(time.Duration(fastRand()%300) * time.Microsecond)); err != nil {
		return err
	}
	time.Sleep(time.Duration(fastRand()%300) * time.Microsecond)
	return set(time.Time{})
}

// connOps are the net.Conn methods (and their context forms) of a tcp or tls connection, for raceClose.
func connOps(c net.Conn, read, write func(context.Context, []byte) (int, error), closeWrite func() error) []func() error {
	var halfClosed atomic.Bool
	return []func() error{
		func() error { _, err := c.Read(make([]byte, 512)); return err },
		func() error {
			ctx, cancel := shortCtx()
			defer cancel()
			_, err := read(ctx, make([]byte, 512))
			return err
		},
		func() error { _, err := c.Write([]byte("ping")); return err },
		func() error {
			ctx, cancel := shortCtx()
			defer cancel()
			_, err := write(ctx, []byte("pong"))
			return err
		},
		func() error { return deadlineBlip(c.SetDeadline) },
		func() error { return deadlineBlip(c.SetReadDeadline) },
		func() error { return deadlineBlip(c.SetWriteDeadline) },
		func() error { _, _ = c.LocalAddr(), c.RemoteAddr(); return nil },
		func() error {
			// Once per connection, at a random moment (after Close in about half the rounds): after it the
			// peer sees EOF and closes, and the calls that are left see EOF and EPIPE.
			if halfClosed.Swap(true) {
				return nil
			}
			time.Sleep(time.Duration(fastRand() % uint64(2*netWindow)))
			return closeWrite()
		},
	}
}

// listenerOps are the net.Listener methods for raceClose, plus a dialer so that some accepts succeed.
func listenerOps(l net.Listener, acceptCtx func(context.Context) (net.Conn, error), setDeadline func(time.Time) error) []func() error {
	addr := l.Addr().String()
	closeIt := func(c net.Conn, err error) error {
		if c != nil {
			c.Close()
		}
		return err
	}
	return []func() error{
		func() error { return closeIt(l.Accept()) },
		func() error {
			ctx, cancel := shortCtx()
			defer cancel()
			return closeIt(acceptCtx(ctx))
		},
		func() error { return deadlineBlip(setDeadline) },
		func() error { _ = l.Addr(); return nil },
		func() error {
			if c, err := net.DialTimeout("tcp", addr, 10*time.Second); err == nil {
				c.Close()
			}
			return nil
		},
	}
}

func TestCloseRaceTCPConn(t *testing.T) {
	noNetLeaks(t)
	s := newSched(t)
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	goEcho(t, pl, func(c net.Conn) net.Conn { return c })
	raceCloseChecking(t, scale(40), netCheck(netAllowed), func() ([]func() error, func() error) {
		c, err := tcp.Dial(context.Background(), s, pl.Addr().String())
		require.NoError(t, err)
		return connOps(c, c.ReadContext, c.WriteContext, c.CloseWrite), c.Close
	})
}

func TestCloseRaceTCPListener(t *testing.T) {
	noNetLeaks(t)
	s := newSched(t)
	raceCloseChecking(t, scale(30), netCheck(netAllowed), func() ([]func() error, func() error) {
		l, err := tcp.Listen(context.Background(), s, "127.0.0.1:0")
		require.NoError(t, err)
		ops := listenerOps(l, l.AcceptContext, l.SetDeadline)
		ops = append(ops,
			func() error {
				c, err := l.AcceptTCP()
				if c != nil {
					c.Close()
				}
				return err
			},
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				c, err := l.AcceptTCPContext(ctx)
				if c != nil {
					c.Close()
				}
				return err
			})
		return ops, l.Close
	})
}

// tlsAllowed adds what a Write reports after the round's CloseWrite has sent close_notify: OpenSSL's "protocol is
// shutdown", the same words and meaning as crypto/tls's error for a Write after CloseWrite.
func tlsAllowed(err error) bool {
	return netAllowed(err) || (err != nil && strings.Contains(err.Error(), "tls: protocol is shutdown"))
}

// tlsConnOps adds the TLS-only methods to connOps.
func tlsConnOps(c *tls.Conn) []func() error {
	return append(connOps(c, c.ReadContext, c.WriteContext, func() error {
		if !c.ConnectionState().HandshakeComplete {
			return nil // CloseWrite needs a completed handshake (it refuses otherwise, as crypto/tls's does)
		}
		return c.CloseWrite()
	}),
		c.Handshake,
		func() error {
			ctx, cancel := shortCtx()
			defer cancel()
			return c.HandshakeContext(ctx)
		},
		func() error { _ = c.ConnectionState(); return nil },
	)
}

func TestCloseRaceTLSConn(t *testing.T) {
	noNetLeaks(t)
	s := newSched(t)
	cert, key := selfSigned(t, t.TempDir())
	pair, err := gotls.LoadX509KeyPair(cert, key)
	require.NoError(t, err)
	goServer := &gotls.Config{Certificates: []gotls.Certificate{pair}}
	goClient := &gotls.Config{InsecureSkipVerify: true}
	t.Run("client", func(t *testing.T) {
		// Against a crypto/tls echo server; the handshake runs on the first call, racing Close with the rest.
		pl, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		goEcho(t, pl, func(c net.Conn) net.Conn { return gotls.Server(c, goServer) })
		client, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
		require.NoError(t, err)
		raceCloseChecking(t, scale(20), netCheck(tlsAllowed), func() ([]func() error, func() error) {
			tc, err := tcp.Dial(context.Background(), s, pl.Addr().String())
			require.NoError(t, err)
			c, err := tls.Client(tc, client, "localhost")
			require.NoError(t, err)
			return tlsConnOps(c), c.Close
		})
	})
	t.Run("server", func(t *testing.T) {
		// Accepted from a tls.Listener, with a crypto/tls client echoing back whatever it reads.
		server, err := tls.NewContext(tls.Config{CertFile: cert, KeyFile: key})
		require.NoError(t, err)
		l, err := tls.Listen(context.Background(), s, "127.0.0.1:0", server)
		require.NoError(t, err)
		defer l.Close()
		var peers sync.WaitGroup
		defer peers.Wait()
		raceCloseChecking(t, scale(20), netCheck(tlsAllowed), func() ([]func() error, func() error) {
			pc, err := net.DialTimeout("tcp", l.Addr().String(), 10*time.Second)
			require.NoError(t, err)
			peers.Add(1)
			go func() {
				defer peers.Done()
				defer pc.Close()
				_ = pc.SetDeadline(time.Now().Add(30 * time.Second))
				gc := gotls.Client(pc, goClient)
				_, _ = io.Copy(gc, gc)
			}()
			c, err := l.AcceptTLS()
			require.NoError(t, err)
			return tlsConnOps(c), c.Close
		})
	})
}

func TestCloseRaceTLSListener(t *testing.T) {
	noNetLeaks(t)
	s := newSched(t)
	cert, key := selfSigned(t, t.TempDir())
	server, err := tls.NewContext(tls.Config{CertFile: cert, KeyFile: key})
	require.NoError(t, err)
	raceCloseChecking(t, scale(30), netCheck(netAllowed), func() ([]func() error, func() error) {
		l, err := tls.Listen(context.Background(), s, "127.0.0.1:0", server)
		require.NoError(t, err)
		ops := listenerOps(l, l.AcceptContext, l.SetDeadline)
		ops = append(ops, func() error {
			c, err := l.AcceptTLS()
			if c != nil {
				c.Close()
			}
			return err
		})
		return ops, l.Close
	})
}

// udpAllowed adds ErrNotBound, what reading from an unbound Peer reports.
func udpAllowed(err error) bool { return netAllowed(err) || errors.Is(err, udp.ErrNotBound) }

// peerOps are every udp.Peer method for raceClose; the writes go to to.
func peerOps(p *udp.Peer, to netip.AddrPort) []func() error {
	ua := net.UDPAddrFromAddrPort(to)
	return []func() error{
		func() error { _, _, err := p.ReadFrom(make([]byte, 64)); return err },
		func() error { _, _, err := p.ReadFromUDP(make([]byte, 64)); return err },
		func() error { _, _, err := p.ReadFromUDPAddrPort(make([]byte, 64)); return err },
		func() error {
			ctx, cancel := shortCtx()
			defer cancel()
			_, _, err := p.ReadFromContext(ctx, make([]byte, 64))
			return err
		},
		func() error { _, err := p.WriteTo([]byte("a"), ua); return err },
		func() error { _, err := p.WriteToUDP([]byte("b"), ua); return err },
		func() error { _, err := p.WriteToUDPAddrPort([]byte("c"), to); return err },
		func() error {
			ctx, cancel := shortCtx()
			defer cancel()
			_, err := p.WriteToContext(ctx, []byte("d"), to)
			return err
		},
		func() error { return deadlineBlip(p.SetDeadline) },
		func() error { return deadlineBlip(p.SetReadDeadline) },
		func() error { return deadlineBlip(p.SetWriteDeadline) },
		func() error { _, _ = p.LocalAddr(), p.Bound(); return nil },
	}
}

func TestCloseRaceUDPPeer(t *testing.T) {
	noNetLeaks(t)
	s := newSched(t)
	t.Run("bound", func(t *testing.T) {
		// It writes to itself, so its reads get datagrams as well as deadlines and Close.
		raceCloseChecking(t, scale(30), netCheck(udpAllowed), func() ([]func() error, func() error) {
			p, err := udp.Listen(context.Background(), s, "127.0.0.1:0")
			require.NoError(t, err)
			return peerOps(p, p.LocalAddr().(*net.UDPAddr).AddrPort()), p.Close
		})
	})
	t.Run("unbound", func(t *testing.T) {
		sink, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		defer sink.Close()
		to := sink.LocalAddr().(*net.UDPAddr).AddrPort()
		raceCloseChecking(t, scale(30), netCheck(udpAllowed), func() ([]func() error, func() error) {
			p, err := udp.NewPeer(s, ip.IPv4)
			require.NoError(t, err)
			return peerOps(p, to), p.Close
		})
	})
}

func TestCloseRaceDNSResolver(t *testing.T) {
	noNetLeaks(t)
	s := newSched(t)
	// Names answered without a network: /etc/hosts, literals, and the empty name (refused before c-ares).
	dnsAllowed := func(err error) bool {
		return netAllowed(err) || errors.Is(err, dns.ErrNotFound) || errors.Is(err, dns.ErrTimeout)
	}
	raceCloseChecking(t, scale(30), raceCheck{window: netWindow, ok: dnsAllowed,
		again: func(err error) bool { return err == nil }}, func() ([]func() error, func() error) {
		r, err := dns.NewResolver(s, 2*time.Second)
		require.NoError(t, err)
		return []func() error{
			func() error { _, err := r.LookupHost(context.Background(), lookupName); return err },
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				_, err := r.LookupNetIP(ctx, "127.0.0.1")
				return err
			},
			func() error { _, err := r.LookupHost(context.Background(), "::1"); return err },
			func() error { _, err := r.LookupNetIP(context.Background(), ""); return err },
			func() error { _ = r.Timeout(); return nil },
		}, r.Close
	})
}

// openFDs lists the process's descriptors and what they are, for a leak report.
func openFDs() string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		out = append(out, e.Name()+"="+target)
	}
	return strings.Join(out, " ")
}
