package tls_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	gotls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/tls"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m, 5*time.Second, func() {
		if certDir != "" {
			os.RemoveAll(certDir)
		}
	})
}

// cert is a self-signed ECDSA P-256 certificate for localhost and 127.0.0.1 (its own CA), as PEM files and text.
type cert struct {
	certFile, keyFile string
	certPEM, keyPEM   []byte
	der               []byte
	keyDER            []byte
	pool              *x509.CertPool
	pair              gotls.Certificate
}

var (
	certOnce sync.Once
	certVal  *cert
	certDir  string
)

func newCert(t testing.TB, dir, cn string) *cert {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	c := &cert{
		certFile: filepath.Join(dir, cn+"-cert.pem"),
		keyFile:  filepath.Join(dir, cn+"-key.pem"),
		certPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		der:      der,
		keyDER:   keyDER,
	}
	require.NoError(t, os.WriteFile(c.certFile, c.certPEM, 0o600))
	require.NoError(t, os.WriteFile(c.keyFile, c.keyPEM, 0o600))
	c.pool = x509.NewCertPool()
	c.pool.AppendCertsFromPEM(c.certPEM)
	c.pair, err = gotls.X509KeyPair(c.certPEM, c.keyPEM)
	require.NoError(t, err)
	return c
}

func testCert(t *testing.T) *cert {
	t.Helper()
	certOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gocoro-tls-test-")
		require.NoError(t, err)
		certDir = dir
		certVal = newCert(t, dir, "gocoro-test")
	})
	return certVal
}

func newScheduler(t *testing.T) *coro.IOScheduler {
	t.Helper()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func serverContext(t *testing.T) *tls.Context {
	c := testCert(t)
	tc, err := tls.NewContext(tls.Config{CertFile: c.certFile, KeyFile: c.keyFile})
	require.NoError(t, err)
	return tc
}

func clientContext(t *testing.T) *tls.Context {
	tc, err := tls.NewContext(tls.Config{CAFile: testCert(t).certFile})
	require.NoError(t, err)
	return tc
}

func listen(t *testing.T, s *coro.IOScheduler, tc *tls.Context) *tls.Listener {
	t.Helper()
	ln, err := tls.Listen(context.Background(), s, "127.0.0.1:0", tc)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	return ln
}

// serve runs handle for every accepted connection until the listener closes; Wait on the result.
func serve(ln net.Listener, handle func(net.Conn)) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return &wg
}

func echo(c net.Conn) { io.Copy(c, c) }

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>10)
	}
	return b
}

// roundTrip sends small messages and then a big payload (partial writes, many records) through an echo peer.
func roundTrip(t *testing.T, c net.Conn, closeWrite func() error) {
	buf := make([]byte, 1024)
	for j := 0; j < 20; j++ {
		msg := []byte(fmt.Sprintf("message %d", j))
		_, err := c.Write(msg)
		require.NoError(t, err)
		_, err = io.ReadFull(c, buf[:len(msg)])
		require.NoError(t, err)
		require.Equal(t, msg, buf[:len(msg)])
	}
	big := pattern(4 << 20)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(big)
		if err == nil {
			err = closeWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.NoError(t, <-errc)
	require.True(t, bytes.Equal(big, got), "echoed payload differs (%d bytes back)", len(got))
}

func TestEcho(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	wg := serve(ln, echo)
	client := clientContext(t)
	var clients sync.WaitGroup
	for i := 0; i < 4; i++ {
		clients.Add(1)
		go func() {
			defer clients.Done()
			c, err := tls.Dial(context.Background(), s, ln.Addr().String(), client)
			require.NoError(t, err)
			defer c.Close()
			roundTrip(t, c, c.CloseWrite)
		}()
	}
	clients.Wait()
	ln.Close()
	wg.Wait()
}

func TestPEMContexts(t *testing.T) {
	c := testCert(t)
	s := newScheduler(t)
	server, err := tls.NewContext(tls.Config{CertPEM: c.certPEM, KeyPEM: c.keyPEM})
	require.NoError(t, err)
	ln := listen(t, s, server)
	wg := serve(ln, echo)
	client, err := tls.NewContext(tls.Config{CAPEM: c.certPEM, ServerName: "localhost"})
	require.NoError(t, err)
	conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), client)
	require.NoError(t, err)
	st := conn.ConnectionState()
	require.True(t, st.HandshakeComplete)
	require.Equal(t, uint16(gotls.VersionTLS13), st.Version, gotls.VersionName(st.Version))
	require.NotEmpty(t, gotls.CipherSuiteName(st.CipherSuite))
	require.Equal(t, "localhost", st.ServerName)
	require.Len(t, st.PeerCertificates, 1)
	require.Equal(t, "gocoro-test", st.PeerCertificates[0].Subject.CommonName)
	// What ConnectionState reports outlives OpenSSL's session, which Go's record layer no longer needs.
	require.True(t, tls.RecordsInGo(conn))
	require.False(t, tls.HoldsOpenSSLSession(conn))
	_, err = conn.Write([]byte("ping"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(conn, buf)
	require.NoError(t, err)
	require.Equal(t, "ping", string(buf))
	require.Equal(t, st, conn.ConnectionState())
	require.NoError(t, conn.Close())
	require.Equal(t, tls.ConnectionState{}, conn.ConnectionState())
	ln.Close()
	wg.Wait()
}

func TestASN1Files(t *testing.T) {
	c := testCert(t)
	dir := t.TempDir()
	certDER, keyDER := filepath.Join(dir, "cert.der"), filepath.Join(dir, "key.der")
	require.NoError(t, os.WriteFile(certDER, c.der, 0o600))
	require.NoError(t, os.WriteFile(keyDER, c.keyDER, 0o600))
	tc, err := tls.NewContext(tls.Config{CertFile: certDER, CertType: tls.ASN1, KeyFile: keyDER, KeyType: tls.ASN1})
	require.NoError(t, err)
	s := newScheduler(t)
	ln := listen(t, s, tc)
	wg := serve(ln, echo)
	conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	conn.Close()
	ln.Close()
	wg.Wait()
}

func TestConfigErrors(t *testing.T) {
	c := testCert(t)
	other := newCert(t, t.TempDir(), "other")
	for name, cfg := range map[string]tls.Config{
		"missing cert":    {CertFile: filepath.Join(t.TempDir(), "missing.pem"), KeyFile: c.keyFile},
		"missing key":     {CertFile: c.certFile, KeyFile: filepath.Join(t.TempDir(), "missing.pem")},
		"key mismatch":    {CertFile: c.certFile, KeyFile: other.keyFile},
		"key as cert":     {CertFile: c.keyFile, KeyFile: c.keyFile},
		"PEM mismatch":    {CertPEM: c.certPEM, KeyPEM: other.keyPEM},
		"PEM garbage":     {CertPEM: []byte("nope"), KeyPEM: c.keyPEM},
		"PEM without key": {CertPEM: c.certPEM},
		"missing CA":      {CAFile: filepath.Join(t.TempDir(), "missing.pem")},
		"CA garbage":      {CAPEM: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")},
		"bad verify mode": {Verify: 7},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tls.NewContext(cfg)
			require.Error(t, err)
			require.ErrorIs(t, err, tls.ErrConfig)
			t.Log(err)
		})
	}
	_, err := tls.NewContext(tls.Config{CertFile: c.certFile, KeyFile: other.keyFile})
	require.ErrorContains(t, err, "does not match")

	// A context without a certificate cannot serve; nil arguments are refused.
	s := newScheduler(t)
	_, err = tls.Listen(context.Background(), s, "127.0.0.1:0", clientContext(t))
	require.ErrorIs(t, err, tls.ErrConfig)
	_, err = tls.Listen(context.Background(), s, "127.0.0.1:0", nil)
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.EqualError(t, err, "listen tcp: invalid argument: nil *tls.Context") // names the argument
	_, err = tls.Dial(context.Background(), nil, "127.0.0.1:1", clientContext(t))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.EqualError(t, err, "dial tcp: invalid argument: nil *coro.IOScheduler")
	_, err = tls.Dial(context.Background(), s, "example.com:443", clientContext(t))
	require.Error(t, err)
}

// Our client against Go's crypto/tls server.
func TestInteropGoServer(t *testing.T) {
	c := testCert(t)
	ln, err := gotls.Listen("tcp", "127.0.0.1:0", &gotls.Config{Certificates: []gotls.Certificate{c.pair}})
	require.NoError(t, err)
	wg := serve(ln, echo)
	s := newScheduler(t)
	conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	require.Equal(t, uint16(gotls.VersionTLS13), conn.ConnectionState().Version)
	roundTrip(t, conn, conn.CloseWrite)
	conn.Close()
	ln.Close()
	wg.Wait()

	// TLS 1.2 only server: our client negotiates it.
	ln12, err := gotls.Listen("tcp", "127.0.0.1:0",
		&gotls.Config{Certificates: []gotls.Certificate{c.pair}, MaxVersion: gotls.VersionTLS12})
	require.NoError(t, err)
	wg = serve(ln12, echo)
	conn, err = tls.Dial(context.Background(), s, ln12.Addr().String(), clientContext(t))
	require.NoError(t, err)
	require.Equal(t, uint16(gotls.VersionTLS12), conn.ConnectionState().Version)
	roundTrip(t, conn, conn.CloseWrite)
	conn.Close()
	ln12.Close()
	wg.Wait()
}

// Go's crypto/tls client against our server.
func TestInteropGoClient(t *testing.T) {
	c := testCert(t)
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	wg := serve(ln, echo)
	for _, version := range []uint16{gotls.VersionTLS12, gotls.VersionTLS13} {
		t.Run(gotls.VersionName(version), func(t *testing.T) {
			conn, err := gotls.Dial("tcp", ln.Addr().String(),
				&gotls.Config{RootCAs: c.pool, ServerName: "localhost", MaxVersion: version})
			require.NoError(t, err)
			defer conn.Close()
			require.Equal(t, version, conn.ConnectionState().Version)
			roundTrip(t, conn, conn.CloseWrite)
		})
	}
	ln.Close()
	wg.Wait()
}

func TestHTTPS(t *testing.T) {
	c := testCert(t)
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "hello %s %s %d", r.Method, r.URL.Path, len(body))
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &gotls.Config{RootCAs: c.pool}}}
	defer client.CloseIdleConnections()
	url := fmt.Sprintf("https://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	for i := 0; i < 10; i++ {
		resp, err := client.Post(url+"/x", "application/octet-stream", bytes.NewReader(pattern(100_000)))
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, "hello POST /x 100000", string(body))
	}
	require.NoError(t, srv.Shutdown(context.Background()))
	require.ErrorIs(t, <-done, http.ErrServerClosed)
}

func TestUntrustedCertificate(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	serverErr := make(chan error, 1)
	wg := serve(ln, func(c net.Conn) {
		_, err := c.Read(make([]byte, 1))
		serverErr <- err
	})

	// The system store does not trust the self-signed certificate.
	system, err := tls.NewContext(tls.Config{})
	require.NoError(t, err)
	_, err = tls.Dial(context.Background(), s, ln.Addr().String(), system)
	require.Error(t, err)
	require.ErrorIs(t, err, tls.ErrHandshake)
	require.ErrorIs(t, err, tls.ErrCertificate)
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
	require.Equal(t, "dial", oe.Op)
	var te *tls.Error
	require.ErrorAs(t, err, &te)
	require.Contains(t, err.Error(), "self-signed")
	t.Log(err)
	// The server sees our alert as its handshake failure.
	err = <-serverErr
	require.ErrorIs(t, err, tls.ErrHandshake)
	require.NotErrorIs(t, err, tls.ErrCertificate)
	t.Log(err)

	// Trusted CA but the wrong name.
	wrongName, err := tls.NewContext(tls.Config{CAPEM: testCert(t).certPEM, ServerName: "example.com"})
	require.NoError(t, err)
	_, err = tls.Dial(context.Background(), s, ln.Addr().String(), wrongName)
	require.ErrorIs(t, err, tls.ErrCertificate)
	require.Contains(t, err.Error(), "hostname mismatch")
	<-serverErr

	// VerifyNone accepts it.
	none, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
	require.NoError(t, err)
	conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), none)
	require.NoError(t, err)
	conn.Close()
	<-serverErr

	// Go's client refuses the untrusted certificate too; our server reports it.
	_, err = gotls.Dial("tcp", ln.Addr().String(), &gotls.Config{ServerName: "localhost"})
	require.Error(t, err)
	require.ErrorIs(t, <-serverErr, tls.ErrHandshake)
	ln.Close()
	wg.Wait()
}

func TestPlainPeers(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	serverErr := make(chan error, 1)
	wg := serve(ln, func(c net.Conn) {
		_, err := c.Read(make([]byte, 16))
		serverErr <- err
	})
	// A plain TCP client speaking HTTP to the TLS server.
	pc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	_, err = pc.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
	require.NoError(t, err)
	err = <-serverErr
	require.ErrorIs(t, err, tls.ErrHandshake)
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
	require.Equal(t, "read", oe.Op)
	t.Log(err)
	pc.Close()

	// A plain TCP client that connects and hangs up.
	pc, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	pc.Close()
	require.ErrorIs(t, <-serverErr, tls.ErrHandshake)
	ln.Close()
	wg.Wait()

	// Our client against a plain TCP server that answers with text and closes.
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	wg = serve(pl, func(c net.Conn) {
		c.Write([]byte("220 plain text service here\r\n"))
		io.Copy(io.Discard, c)
	})
	none, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
	require.NoError(t, err)
	_, err = tls.Dial(context.Background(), s, pl.Addr().String(), none)
	require.ErrorIs(t, err, tls.ErrHandshake)
	t.Log(err)
	pl.Close()
	wg.Wait()

	// Connection refused: a plain system error, not a handshake one.
	_, err = tls.Dial(context.Background(), s, pl.Addr().String(), none)
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	require.NotErrorIs(t, err, tls.ErrHandshake)
}

// silentServer accepts TCP connections and never answers.
func silentServer(t *testing.T) (net.Listener, *sync.WaitGroup) {
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return pl, serve(pl, func(c net.Conn) { io.Copy(io.Discard, c) })
}

func TestCancelHandshake(t *testing.T) {
	s := newScheduler(t)
	none, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
	require.NoError(t, err)
	pl, wg := silentServer(t)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = tls.Dial(ctx, s, pl.Addr().String(), none)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 2*time.Second)

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = tls.Dial(ctx, s, pl.Addr().String(), none)
	require.ErrorIs(t, err, context.Canceled)
	pl.Close()
	wg.Wait()

	// Server side: a client that connects and never starts the handshake.
	ln := listen(t, s, serverContext(t))
	pc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer pc.Close()
	c, err := ln.AcceptTLS()
	require.NoError(t, err)
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err = c.HandshakeContext(ctx)
	require.ErrorIs(t, err, context.Canceled)
	// Final: later calls report the same failure.
	_, err = c.Read(make([]byte, 1))
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, c.Close())
}

func TestCancelRead(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	release := make(chan struct{})
	wg := serve(ln, func(c net.Conn) {
		c.(*tls.Conn).Handshake()
		<-release
	})
	c, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.ReadContext(ctx, make([]byte, 10))
	require.ErrorIs(t, err, context.Canceled)
	// Unlike a cancelled handshake, a cancelled Read leaves the connection usable.
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.ReadContext(ctx, make([]byte, 10))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	_, err = c.Read(make([]byte, 10))
	require.ErrorIs(t, err, io.EOF)
	c.Close()
	ln.Close()
	wg.Wait()
}

func TestCloseWhileBlocked(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	release := make(chan struct{})
	wg := serve(ln, func(c net.Conn) {
		c.(*tls.Conn).Handshake()
		<-release
	})
	client := clientContext(t)
	const conns, readers = 4, 250
	var blocked sync.WaitGroup
	var cs []*tls.Conn
	for i := 0; i < conns; i++ {
		c, err := tls.Dial(context.Background(), s, ln.Addr().String(), client)
		require.NoError(t, err)
		cs = append(cs, c)
		for j := 0; j < readers; j++ {
			blocked.Add(1)
			go func() {
				defer blocked.Done()
				_, err := c.Read(make([]byte, 16))
				require.ErrorIs(t, err, net.ErrClosed)
			}()
		}
		// A blocked writer too: the server does not read.
		blocked.Add(1)
		go func() {
			defer blocked.Done()
			_, err := c.Write(make([]byte, 64<<20))
			require.ErrorIs(t, err, net.ErrClosed)
		}()
	}
	time.Sleep(200 * time.Millisecond)
	for _, c := range cs {
		require.NoError(t, c.Close())
	}
	blocked.Wait()
	for _, c := range cs {
		err := c.Close()
		require.ErrorIs(t, err, net.ErrClosed)
		_, err = c.Write([]byte("x"))
		require.ErrorIs(t, err, net.ErrClosed)
		_, err = c.Read(make([]byte, 1))
		require.ErrorIs(t, err, net.ErrClosed)
	}
	close(release)
	require.NoError(t, ln.Close())
	require.ErrorIs(t, ln.Close(), net.ErrClosed)
	wg.Wait()
}

func TestDeadlines(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	release := make(chan struct{})
	wg := serve(ln, func(c net.Conn) {
		c.(*tls.Conn).Handshake()
		<-release
		c.Write([]byte("late"))
		io.Copy(io.Discard, c)
	})
	c, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)

	require.NoError(t, c.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	start := time.Now()
	_, err = c.Read(make([]byte, 10))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.True(t, os.IsTimeout(err))
	require.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)
	// A pending Read sees a deadline change at once.
	require.NoError(t, c.SetReadDeadline(time.Time{}))
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		readErr <- err
	}()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, c.SetReadDeadline(time.Now()))
	require.ErrorIs(t, <-readErr, os.ErrDeadlineExceeded)
	// Cleared: data still arrives.
	require.NoError(t, c.SetReadDeadline(time.Time{}))
	close(release)
	buf := make([]byte, 4)
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	require.Equal(t, "late", string(buf))

	c.Close()
	ln.Close()
	wg.Wait()

	// Handshake bounded by the read deadline on an accepted connection whose client never speaks.
	ln2 := listen(t, s, serverContext(t))
	pc, err := net.Dial("tcp", ln2.Addr().String())
	require.NoError(t, err)
	defer pc.Close()
	sc, err := ln2.AcceptTLS()
	require.NoError(t, err)
	require.NoError(t, sc.SetDeadline(time.Now().Add(50*time.Millisecond)))
	_, err = sc.Read(make([]byte, 1))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	sc.Close()
}

func TestWriteDeadline(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	release := make(chan struct{})
	wg := serve(ln, func(c net.Conn) {
		c.(*tls.Conn).Handshake()
		<-release
	})
	c, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	// Handshake first: on a loaded machine the handshake alone can use up a short deadline, and then nothing of
	// the payload is written (the partial write is what this test checks).
	require.NoError(t, c.Handshake())
	// Allocated (and faulted in) before the clock starts: on a loaded machine that alone can take the 300 ms.
	big := make([]byte, 64<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1
	}
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(300*time.Millisecond)))
	n, err := c.Write(big)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.Less(t, n, len(big))
	require.Greater(t, n, 0)
	// Its records went out in part, so (as in crypto/tls) the failure is final: a later Write reports it again.
	require.NoError(t, c.SetWriteDeadline(time.Time{}))
	_, err = c.Write([]byte("x"))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	c.Close()
	close(release)
	ln.Close()
	wg.Wait()
}

// A Write cut short counts what crypto/tls would: the plaintext of the records that went out whole. A crypto/tls
// peer that reads afterwards gets exactly that many bytes, and nothing more (the rest of a record is missing).
func TestWriteDeadlineCount(t *testing.T) {
	c := testCert(t)
	gln, err := gotls.Listen("tcp", "127.0.0.1:0", &gotls.Config{Certificates: []gotls.Certificate{c.pair}, SessionTicketsDisabled: true})
	require.NoError(t, err)
	defer gln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		conn, err := gln.Accept()
		if err == nil {
			conn.(*gotls.Conn).Handshake()
		}
		accepted <- conn
	}()
	s := newScheduler(t)
	conn, err := tls.Dial(context.Background(), s, gln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.Handshake())
	peer := <-accepted
	require.NotNil(t, peer)
	defer peer.Close()
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = byte(i / 4096)
	}
	require.NoError(t, conn.SetWriteDeadline(time.Now().Add(300*time.Millisecond)))
	n, err := conn.Write(big)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.Less(t, n, len(big))
	require.NoError(t, peer.SetReadDeadline(time.Now().Add(10*time.Second)))
	got := make([]byte, n)
	_, err = io.ReadFull(peer, got)
	require.NoError(t, err, "the peer got fewer bytes than Write reported")
	require.True(t, bytes.Equal(big[:n], got))
	require.NoError(t, peer.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	m, err := peer.Read(make([]byte, 1))
	require.Zero(t, m, "the peer got more bytes than Write reported")
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

// Full duplex: both sides write a lot while reading, so OpenSSL calls of both directions interleave.
func TestFullDuplex(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	const size = 8 << 20
	serverErr := make(chan error, 2)
	wg := serve(ln, func(c net.Conn) {
		var w sync.WaitGroup
		w.Add(1)
		go func() {
			defer w.Done()
			_, err := c.Write(pattern(size))
			if err == nil {
				err = c.(*tls.Conn).CloseWrite()
			}
			serverErr <- err
		}()
		n, err := io.Copy(io.Discard, c)
		if err == nil && n != size {
			err = fmt.Errorf("server read %d bytes", n)
		}
		serverErr <- err
		w.Wait()
	})
	c, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	defer c.Close()
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(pattern(size))
		if err == nil {
			err = c.CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.NoError(t, <-errc)
	require.NoError(t, <-serverErr)
	require.NoError(t, <-serverErr)
	require.Equal(t, size, len(got))
	require.True(t, bytes.Equal(pattern(size), got))
	ln.Close()
	wg.Wait()
}

func TestPeerReset(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	wg := serve(ln, func(c net.Conn) {
		c.(*tls.Conn).Handshake()
	})
	c, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	defer c.Close()
	// The server closed (close_notify): Read reports io.EOF.
	_, err = c.Read(make([]byte, 10))
	require.Equal(t, io.EOF, err)
	// Writes eventually fail with a system error, without SIGPIPE.
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		_, werr = c.Write(make([]byte, 1024))
		time.Sleep(time.Millisecond)
	}
	require.Error(t, werr)
	t.Log(werr)
	require.True(t, errors.Is(werr, syscall.EPIPE) || errors.Is(werr, syscall.ECONNRESET), "%v", werr)
	ln.Close()
	wg.Wait()
}

func TestSchedulerCloseClosesSockets(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	require.NoError(t, err)
	ln, err := tls.Listen(context.Background(), s, "127.0.0.1:0", serverContext(t))
	require.NoError(t, err)
	acceptErr := make(chan error, 1)
	go func() { _, err := ln.Accept(); acceptErr <- err }()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, s.Close())
	require.ErrorIs(t, <-acceptErr, net.ErrClosed)
	require.ErrorIs(t, ln.Close(), net.ErrClosed)
}

// Client certificates: a verifying server checks one if the client sends it (OpenSSL's SSL_VERIFY_PEER).
func TestClientCertificate(t *testing.T) {
	c := testCert(t)
	s := newScheduler(t)
	server, err := tls.NewContext(tls.Config{CertFile: c.certFile, KeyFile: c.keyFile, CAFile: c.certFile})
	require.NoError(t, err)
	ln := listen(t, s, server)
	states := make(chan tls.ConnectionState, 1)
	errs := make(chan error, 1)
	wg := serve(ln, func(conn net.Conn) {
		tc := conn.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			errs <- err
			return
		}
		states <- tc.ConnectionState()
	})

	client, err := tls.NewContext(tls.Config{CertPEM: c.certPEM, KeyPEM: c.keyPEM, CAFile: c.certFile})
	require.NoError(t, err)
	conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), client)
	require.NoError(t, err)
	st := <-states
	require.Len(t, st.PeerCertificates, 1)
	require.Equal(t, "gocoro-test", st.PeerCertificates[0].Subject.CommonName)
	require.Empty(t, st.ServerName)
	conn.Close()

	// A client certificate the server does not trust.
	other := newCert(t, t.TempDir(), "other")
	untrusted, err := tls.NewContext(tls.Config{CertFile: other.certFile, KeyFile: other.keyFile, CAFile: c.certFile})
	require.NoError(t, err)
	conn, err = tls.Dial(context.Background(), s, ln.Addr().String(), untrusted)
	if err == nil {
		// TLS 1.3: the client's handshake ends before the server has judged its certificate; the server's
		// alert arrives with the first read.
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	var te *tls.Error
	require.ErrorAs(t, err, &te)
	require.Contains(t, err.Error(), "unknown ca")
	serr := <-errs
	require.ErrorIs(t, serr, tls.ErrCertificate)
	t.Log(err, "/", serr)
	ln.Close()
	wg.Wait()
}

// Paths (and the server name) with a NUL byte are refused, naming the field: C would read only the part before it,
// which here names another, valid file.
func TestConfigNUL(t *testing.T) {
	c := testCert(t)
	for name, cfg := range map[string]tls.Config{
		"CertFile":   {CertFile: c.certFile + "\x00.other", KeyFile: c.keyFile},
		"KeyFile":    {CertFile: c.certFile, KeyFile: c.keyFile + "\x00.other"},
		"CAFile":     {CAFile: c.certFile + "\x00.other"},
		"ServerName": {ServerName: "localhost\x00.evil"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tls.NewContext(cfg)
			require.ErrorIs(t, err, tls.ErrConfig)
			require.ErrorContains(t, err, name)
			require.ErrorContains(t, err, "NUL")
		})
	}
}

// A zero Context is refused by Dial and Listen instead of crashing in C.
func TestZeroContext(t *testing.T) {
	s := newScheduler(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, err = tls.Dial(context.Background(), s, ln.Addr().String(), &tls.Context{})
	require.ErrorIs(t, err, tls.ErrConfig)
	require.ErrorContains(t, err, "NewContext")
	_, err = tls.Listen(context.Background(), s, "127.0.0.1:0", &tls.Context{})
	require.ErrorIs(t, err, tls.ErrConfig)
}

// Zero Conn and Listener values (not made by Dial, Listen or Accept) behave as closed ones instead of crashing
// or blocking.
func TestZeroConnListener(t *testing.T) {
	var c tls.Conn
	require.ErrorIs(t, c.Handshake(), net.ErrClosed)
	_, err := c.Read(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = c.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed)
	require.Error(t, c.CloseWrite())
	require.ErrorIs(t, c.SetDeadline(time.Now()), net.ErrClosed)
	require.Nil(t, c.LocalAddr())
	require.Nil(t, c.RemoteAddr())
	require.False(t, c.ConnectionState().HandshakeComplete)
	require.ErrorIs(t, c.Close(), net.ErrClosed)

	var l tls.Listener
	_, err = l.Accept()
	require.ErrorIs(t, err, net.ErrClosed)
	require.ErrorIs(t, l.SetDeadline(time.Now()), net.ErrClosed)
	require.Nil(t, l.Addr())
	require.ErrorIs(t, l.Close(), net.ErrClosed)
}

// Reads after one that left the socket empty start with a peek instead of an OpenSSL read: data sent while the
// Read waits, data that arrived before the Read was called, and the peer's close must all still be seen.
func TestReadAfterDrainedSocket(t *testing.T) {
	c := testCert(t)
	ln, err := gotls.Listen("tcp", "127.0.0.1:0", &gotls.Config{Certificates: []gotls.Certificate{c.pair}})
	require.NoError(t, err)
	step := make(chan string)
	wg := serve(ln, func(conn net.Conn) {
		if conn.(*gotls.Conn).Handshake() != nil { // before the first step: Dial waits for it
			return
		}
		for msg := range step {
			if _, err := conn.Write([]byte(msg)); err != nil {
				return
			}
		}
	})
	s := newScheduler(t)
	conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	defer conn.Close()
	buf := make([]byte, 64)
	read := func() string {
		n, err := conn.Read(buf)
		require.NoError(t, err)
		return string(buf[:n])
	}

	step <- "first"
	require.Equal(t, "first", read())
	// Sent while the next Read waits.
	got := make(chan string, 1)
	go func() { got <- read() }()
	time.Sleep(50 * time.Millisecond)
	step <- "second"
	require.Equal(t, "second", <-got)
	// Arrived before the Read is called.
	step <- "third"
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, "third", read())
	// The peer's close_notify after a drained read.
	close(step)
	_, err = conn.Read(buf)
	require.ErrorIs(t, err, io.EOF)
	ln.Close()
	wg.Wait()
}

// Two net/tls ends negotiate the TLS 1.3 suite a Go client prefers (OpenSSL's own default order starts with
// AES-256-GCM).
func TestSuitePreference(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	wg := serve(ln, echo)
	conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	st := conn.ConnectionState()
	require.Equal(t, uint16(gotls.VersionTLS13), st.Version)
	require.Equal(t, gotls.TLS_AES_128_GCM_SHA256, st.CipherSuite, gotls.CipherSuiteName(st.CipherSuite))
	conn.Close()
	ln.Close()
	wg.Wait()
}

// A VerifyNone client does not check the certificate, so a later failure must not be reported as a rejected
// certificate (OpenSSL still records its verdict on the self-signed chain).
func TestVerifyNoneFailureIsNoCertificateError(t *testing.T) {
	s := newScheduler(t)
	cert, err := gotls.X509KeyPair(testCert(t).certPEM, testCert(t).keyPEM)
	require.NoError(t, err)
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pl.Close()
	go func() {
		raw, err := pl.Accept()
		if err != nil {
			return
		}
		defer raw.Close()
		sc := gotls.Server(raw, &gotls.Config{Certificates: []gotls.Certificate{cert}})
		if sc.Handshake() != nil {
			return
		}
		raw.Write([]byte("plain text where a record belongs\r\n")) // not a TLS record
		io.Copy(io.Discard, raw)
	}()
	none, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
	require.NoError(t, err)
	conn, err := tls.Dial(context.Background(), s, pl.Addr().String(), none)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Read(make([]byte, 64))
	require.Error(t, err)
	require.NotErrorIs(t, err, tls.ErrCertificate)
	require.NotContains(t, err.Error(), "certificate verify failed")
	t.Log(err)
}
