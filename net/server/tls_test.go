package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
	_ "github.com/gocoro/gocoro/net/server/servertls"
)

// testCert is a self-signed ECDSA P-256 certificate for 127.0.0.1 (serial distinguishes them), PEM-encoded.
func testCert(t testing.TB, serial int64) (certPEM, keyPEM []byte, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "gocoro test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), pool
}

// tlsFixture is a TLS server's certificate and a client config that trusts it.
type tlsFixture struct {
	cfg    *server.TLSConfig
	client *tls.Config
}

func newTLSFixture(t *testing.T) tlsFixture {
	cert, key, pool := testCert(t, 1)
	return tlsFixture{
		cfg:    &server.TLSConfig{Certificate: server.Certificate{CertPEM: cert, KeyPEM: key}},
		client: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13},
	}
}

// closers closes the test's clients before its leak check.
type closers []io.Closer

func (cs *closers) add(c io.Closer) { *cs = append(*cs, c) }
func (cs *closers) close() {
	for _, c := range *cs {
		c.Close()
	}
}

func dialTLS(t *testing.T, cs *closers, srv *server.Server, cfg *tls.Config) *tls.Conn {
	t.Helper()
	d := &net.Dialer{Timeout: 10 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", srv.Addr().String(), cfg)
	require.NoError(t, err)
	cs.add(c)
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	return c
}

func dialTCP(t *testing.T, cs *closers, srv *server.Server) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addr().String())
	require.NoError(t, err)
	cs.add(c)
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	return c.(*net.TCPConn)
}

// waitErr returns the first error on errs that matches target (others are skipped), failing after 10 s.
func waitErr(t *testing.T, errs <-chan error, target error) error {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case err := <-errs:
			if errors.Is(err, target) {
				return err
			}
		case <-deadline:
			t.Fatalf("no error matching %v reported", target)
		}
	}
}

func TestTLSEcho(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(map[bool]string{true: "inline", false: "pool"}[inline], func(t *testing.T) {
			s := newScheduler(t, inline)
			fx := newTLSFixture(t)
			checkNoLeaks(t, func() {
				var cs closers
				defer cs.close()
				closes := newCloseLog()
				srv := serve(t, s, server.Callbacks(server.Events{
					OnOpen:  func(c *server.Conn) error { _, err := c.WriteString("hello\n"); return err },
					OnData:  echoData,
					OnClose: closes.onClose,
				}), &server.Options{TLS: fx.cfg})
				c := dialTLS(t, &cs, srv, fx.client)
				require.Equal(t, "hello\n", readN(t, c, 6)) // OnOpen ran after the handshake
				st := c.ConnectionState()
				require.EqualValues(t, tls.VersionTLS13, st.Version)
				// Big messages cross several records and reads (the loop decrypts until the socket is empty).
				msg := make([]byte, 1<<20)
				rand.Read(msg)
				go c.Write(msg)
				require.Equal(t, string(msg), readN(t, c, len(msg)))
				require.NoError(t, c.Close()) // close_notify: a clean end for the server
				require.NoError(t, closes.next(t))
				stats := srv.Stats()
				require.EqualValues(t, 6+len(msg), stats.BytesWritten) // plaintext
				require.EqualValues(t, len(msg), stats.BytesRead)
				require.NoError(t, srv.Close())
			})
		})
	}
}

// The server's Close of a connection sends close_notify after the queued output: the client reads it all, then a
// clean EOF.
func TestTLSServerClose(t *testing.T) {
	s := newScheduler(t, true)
	fx := newTLSFixture(t)
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		srv := serve(t, s, server.Func(func(c *server.Conn, in []byte) (int, error) {
			c.Write(bytes.Repeat(in, 1000))
			return len(in), io.EOF
		}), &server.Options{TLS: fx.cfg})
		c := dialTLS(t, &cs, srv, fx.client)
		_, err := c.Write([]byte("bye"))
		require.NoError(t, err)
		got, err := io.ReadAll(c)
		require.NoError(t, err) // io.EOF after close_notify
		require.Equal(t, bytes.Repeat([]byte("bye"), 1000), got)
		require.NoError(t, srv.Close())
	})
}

// Half-close: the client's close_notify ends its input; the server's reply still arrives.
func TestTLSHalfClose(t *testing.T) {
	s := newScheduler(t, true)
	fx := newTLSFixture(t)
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		srv := serve(t, s, server.Func(lineEcho), &server.Options{TLS: fx.cfg})
		c := dialTLS(t, &cs, srv, fx.client)
		_, err := c.Write([]byte("one\ntwo\n"))
		require.NoError(t, err)
		require.NoError(t, c.CloseWrite())
		got, err := io.ReadAll(c)
		require.NoError(t, err)
		require.Equal(t, "one\ntwo\n", string(got))
		require.NoError(t, srv.Close())
	})
}

// Peers that do not speak TLS, stall or vanish mid-handshake are dropped and reported; a good client is served
// meanwhile, and the host never sees the bad ones.
func TestTLSBadPeers(t *testing.T) {
	s := newScheduler(t, true)
	fx := newTLSFixture(t)
	fx.cfg.HandshakeTimeout = 300 * time.Millisecond
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		errs := make(chan error, 64)
		var opened atomic.Int64
		srv := serve(t, s, server.Callbacks(server.Events{
			OnOpen: func(*server.Conn) error { opened.Add(1); return nil },
			OnData: echoData,
		}), &server.Options{TLS: fx.cfg, OnError: func(err error) { errs <- err }})

		good := dialTLS(t, &cs, srv, fx.client)
		echo := func() {
			_, err := good.Write([]byte("ping"))
			require.NoError(t, err)
			require.Equal(t, "ping", readN(t, good, 4))
		}
		echo()

		// Garbage: an HTTP request on the TLS port.
		g := dialTCP(t, &cs, srv)
		g.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		got, _ := io.ReadAll(g) // closed (maybe with an alert, never with plaintext)
		require.NotContains(t, string(got), "HTTP")
		err := waitErr(t, errs, server.ErrTLSHandshake)
		var op *net.OpError
		require.ErrorAs(t, err, &op)
		require.Equal(t, "handshake", op.Op)
		require.Equal(t, g.LocalAddr().String(), op.Addr.String()) // the peer
		require.ErrorIs(t, err, unix.EPROTO)
		echo()

		// Slowloris: the first bytes of a record, then nothing.
		slow := dialTCP(t, &cs, srv)
		slow.Write([]byte{0x16, 0x03, 0x01})
		start := time.Now()
		_, err = io.ReadAll(slow)
		require.NoError(t, err) // the server closed it
		require.Less(t, time.Since(start), 8*time.Second)
		err = waitErr(t, errs, server.ErrHandshakeTimeout)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		echo()

		// Reset in the middle of a ClientHello (SO_LINGER 0).
		rst := dialTCP(t, &cs, srv)
		rst.Write([]byte{0x16, 0x03, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0xfc, 0x03, 0x03})
		time.Sleep(50 * time.Millisecond)
		require.NoError(t, rst.SetLinger(0))
		rst.Close()
		waitErr(t, errs, server.ErrTLSHandshake)

		// A client that wants only TLS 1.2 against a TLS 1.3-only server is refused by OpenSSL's verdict.
		require.NoError(t, srv.Close())
		fx.cfg.MinVersion = server.VersionTLS13
		srv13 := serve(t, s, server.Func(echoData), &server.Options{TLS: fx.cfg, OnError: func(err error) { errs <- err }})
		old := fx.client.Clone()
		old.MinVersion, old.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
		_, err = tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", srv13.Addr().String(), old)
		require.Error(t, err)
		err = waitErr(t, errs, server.ErrTLSHandshake)
		require.ErrorIs(t, err, unix.EPROTO)
		require.Contains(t, err.Error(), "protocol")

		require.EqualValues(t, 1, opened.Load()) // only the good client reached the callbacks
		require.NoError(t, srv13.Close())
	})
}

// MaxConns counts handshaking connections; back-pressure and OnDrained work through TLS.
func TestTLSLimitsAndBackPressure(t *testing.T) {
	s := newScheduler(t, true)
	fx := newTLSFixture(t)
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		const hw = 64 << 10
		const total = 8 << 20
		var drained atomic.Int64
		errs := make(chan error, 16)
		srv := serve(t, s, server.Callbacks(server.Events{
			OnOpen: func(c *server.Conn) error {
				_, err := c.Write(bytes.Repeat([]byte{'x'}, total)) // far above the high-water mark
				return err
			},
			OnData:    echoData,
			OnDrained: func(*server.Conn) error { drained.Add(1); return nil },
		}), &server.Options{TLS: fx.cfg, HighWater: hw, MaxConns: 1, OnError: func(err error) { errs <- err }})
		c := dialTLS(t, &cs, srv, fx.client)
		// The client reads nothing yet: the output waits in the loop.
		require.Eventually(t, func() bool { return srv.Stats().BytesWritten > 0 }, 10*time.Second, 10*time.Millisecond)

		// A second client is over the limit: closed at once, no handshake.
		_, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", srv.Addr().String(), fx.client)
		require.Error(t, err)
		waitErr(t, errs, server.ErrTooManyConns)

		got, err := io.ReadFull(c, make([]byte, total))
		require.NoError(t, err)
		require.Equal(t, total, got)
		require.Eventually(t, func() bool { return drained.Load() == 1 }, 10*time.Second, 10*time.Millisecond)
		_, err = c.Write([]byte("after"))
		require.NoError(t, err)
		require.Equal(t, "after", readN(t, c, 5))
		require.NoError(t, srv.Close())
	})
}

func TestTLSIdleTimeout(t *testing.T) {
	s := newScheduler(t, true)
	fx := newTLSFixture(t)
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		closes := newCloseLog()
		srv := serve(t, s, server.Callbacks(server.Events{OnData: echoData, OnClose: closes.onClose}),
			&server.Options{TLS: fx.cfg, IdleTimeout: 200 * time.Millisecond})
		c := dialTLS(t, &cs, srv, fx.client)
		_, err := c.Write([]byte("x"))
		require.NoError(t, err)
		require.Equal(t, "x", readN(t, c, 1))
		require.ErrorIs(t, closes.next(t), server.ErrIdleTimeout)
		_, err = io.ReadAll(c)
		require.NoError(t, err) // close_notify, then EOF
		require.NoError(t, srv.Close())
	})
}

func TestTLSReloadCertificate(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		certA, keyA, poolA := testCert(t, 100)
		certB, keyB, poolB := testCert(t, 200)
		dir := t.TempDir()
		certFile, keyFile := filepath.Join(dir, "b.crt"), filepath.Join(dir, "b.key")
		require.NoError(t, os.WriteFile(certFile, certB, 0o600))
		require.NoError(t, os.WriteFile(keyFile, keyB, 0o600))

		srv := serve(t, s, server.Func(echoData), &server.Options{TLS: &server.TLSConfig{
			Certificate: server.Certificate{CertPEM: certA, KeyPEM: keyA}}})
		serial := func(c *tls.Conn) int64 { return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64() }
		a := dialTLS(t, &cs, srv, &tls.Config{RootCAs: poolA})
		require.EqualValues(t, 100, serial(a))

		require.NoError(t, srv.ReloadCertificate(server.Certificate{CertFile: certFile, KeyFile: keyFile}))
		b := dialTLS(t, &cs, srv, &tls.Config{RootCAs: poolB})
		require.EqualValues(t, 200, serial(b))
		for _, c := range []*tls.Conn{a, b} { // the old connection keeps working
			_, err := c.Write([]byte("still"))
			require.NoError(t, err)
			require.Equal(t, "still", readN(t, c, 5))
		}

		// A refused certificate leaves the current one in place.
		err := srv.ReloadCertificate(server.Certificate{CertPEM: certA, KeyPEM: keyB})
		require.ErrorIs(t, err, server.ErrTLSCertificate)
		err = srv.ReloadCertificate(server.Certificate{CertFile: filepath.Join(dir, "missing.crt")})
		require.ErrorIs(t, err, server.ErrTLSCertificate)
		require.EqualValues(t, 200, serial(dialTLS(t, &cs, srv, &tls.Config{RootCAs: poolB})))
		require.NoError(t, srv.Close())
		require.ErrorIs(t, srv.ReloadCertificate(server.Certificate{CertFile: certFile, KeyFile: keyFile}),
			server.ErrServerClosed)
	})
}

func TestTLSBadConfig(t *testing.T) {
	s := newScheduler(t, true)
	fx := newTLSFixture(t)
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		bad := func(h server.Handler, cfg *server.TLSConfig) error {
			srv, err := server.Serve(t.Context(), s, "127.0.0.1:0", h, &server.Options{TLS: cfg})
			require.Nil(t, srv)
			return err
		}
		garbled := &server.TLSConfig{Certificate: server.Certificate{CertPEM: []byte("junk"), KeyPEM: fx.cfg.KeyPEM}}
		require.ErrorIs(t, bad(server.Func(echoData), garbled), server.ErrTLSCertificate)
		require.ErrorContains(t, bad(server.Echo(), fx.cfg), "Callbacks or Func")
		require.ErrorContains(t, bad(server.Func(echoData), &server.TLSConfig{}), "neither")
		both := *fx.cfg
		both.CertFile = "x.crt"
		require.ErrorContains(t, bad(server.Func(echoData), &both), "both")
		v := *fx.cfg
		v.MinVersion = 0x0301
		require.ErrorContains(t, bad(server.Func(echoData), &v), "MinVersion")
		srv := serve(t, s, server.Func(echoData), nil)
		require.Error(t, srv.ReloadCertificate(server.Certificate{CertPEM: fx.cfg.CertPEM, KeyPEM: fx.cfg.KeyPEM}))
		require.NoError(t, srv.Close())
	})
}

// AsyncWrite and Wake from another goroutine go through the TLS session like callback writes.
func TestTLSAsyncWrite(t *testing.T) {
	s := newScheduler(t, false)
	fx := newTLSFixture(t)
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		conns := make(chan *server.Conn, 1)
		var wakes atomic.Int64
		srv := serve(t, s, server.Callbacks(server.Events{
			OnOpen: func(c *server.Conn) error { conns <- c; return nil },
			OnData: func(c *server.Conn, in []byte) (int, error) {
				if len(in) == 0 {
					wakes.Add(1)
					c.WriteString("woken\n")
				}
				return echoData(c, in)
			},
		}), &server.Options{TLS: fx.cfg})
		c := dialTLS(t, &cs, srv, fx.client)
		sc := <-conns
		big := bytes.Repeat([]byte("async "), 100_000) // many records, more than the socket takes at once
		go func() {
			require.NoError(t, sc.AsyncWrite(big))
			require.NoError(t, sc.Wake())
		}()
		require.Equal(t, string(big)+"woken\n", readN(t, c, len(big)+6))
		require.EqualValues(t, 1, wakes.Load())
		require.NoError(t, sc.Close())
		_, err := io.ReadAll(c)
		require.NoError(t, err)
		require.ErrorIs(t, sc.AsyncWrite([]byte("late")), server.ErrClosed)
		require.NoError(t, srv.Close())
	})
}

// FuzzTLSGarbage feeds arbitrary bytes to a TLS port: the server answers with TLS records only (an alert, or
// its handshake messages), never runs a callback for such a peer, and still serves a real client afterwards.
func FuzzTLSGarbage(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\x16\x03\x01", "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00",
		"\x16\x03\x01\xff\xff", "\x15\x03\x03\x00\x02\x02\x28", "\x17\x03\x03\x00\x10abcdefghijklmnop", "",
	} {
		f.Add([]byte(s))
	}
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
	if err != nil {
		f.Fatal(err)
	}
	cert, key, pool := testCert(f, 1)
	var opened atomic.Int64
	srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.Callbacks(server.Events{
		OnOpen: func(c *server.Conn) error { opened.Add(1); _, err := c.WriteString("hi"); return err },
		OnData: echoData,
	}), &server.Options{
		TLS:     &server.TLSConfig{Certificate: server.Certificate{CertPEM: cert, KeyPEM: key}, HandshakeTimeout: time.Second},
		OnError: func(error) {}, // every input here is a failed handshake
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close(); _ = s.Close() })
	addr := srv.Addr().String()
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = c.Write(in)
		_ = c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(c)
		if err != nil && !isReset(err) {
			t.Fatalf("reading the answer to %q: %v", in, err)
		}
		if len(out) > 0 && out[0] != 0x15 && out[0] != 0x16 {
			t.Fatalf("input %q: non-TLS answer %q", in, out)
		}
		if n := opened.Load(); n != 0 {
			t.Fatalf("input %q: a callback ran (%d opens)", in, n)
		}
		good, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
		if err != nil {
			t.Fatalf("after input %q a real client fails: %v", in, err)
		}
		defer good.Close()
		_ = good.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(good, make([]byte, 2)); err != nil { // its OnOpen has run
			t.Fatalf("after input %q a real client reads: %v", in, err)
		}
		opened.Store(0)
	})
}

// Stopping the server ends handshakes under way at once (not after HandshakeTimeout), without reports.
func TestTLSCloseDuringHandshake(t *testing.T) {
	s := newScheduler(t, true)
	fx := newTLSFixture(t)
	fx.cfg.HandshakeTimeout = time.Minute
	checkNoLeaks(t, func() {
		var cs closers
		defer cs.close()
		errs := make(chan error, 16)
		srv := serve(t, s, server.Func(echoData), &server.Options{TLS: fx.cfg, OnError: func(err error) { errs <- err }})
		stalled := dialTCP(t, &cs, srv)
		stalled.Write([]byte{0x16, 0x03, 0x01})
		require.Eventually(t, func() bool { return srv.Conns() == 1 }, 10*time.Second, 5*time.Millisecond)
		start := time.Now()
		require.NoError(t, srv.Close())
		require.Less(t, time.Since(start), 10*time.Second)
		_, err := io.ReadAll(stalled)
		if err != nil {
			require.True(t, isReset(err), err)
		}
		require.Empty(t, errs)
		require.EqualValues(t, 0, srv.Stats().Errors)
	})
}
