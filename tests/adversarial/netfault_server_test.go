package adversarial

import (
	"bytes"
	"context"
	gotls "crypto/tls"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/server"
	_ "github.com/gocoro/gocoro/net/server/servertls" // Options.TLS
)

// Network faults against the net/server kinds netfault_test.go leaves out: the native Echo handler, the
// event-driven Go handler (Callbacks), a server terminating TLS in its C++ loop (Options.TLS), and servers on a loop of their own (server.Listen) rather than
// a shared scheduler (server.Serve). Native handler tables (server.Native) need C++ compiled into a cgo package
// of their own; this package is plain Go, so their faults are in examples/native_handler/faults_test.go.

// echoFaults runs the plain-TCP faults against an echoing server at addr, then checks that it still echoes and
// that no connection stays open.
func echoFaults(t *testing.T, srv *server.Server) {
	t.Helper()
	addr := srv.Addr().String()
	slowloris(t, addr, scale(300), "partial", 200*time.Millisecond)
	for range scale(50) {
		resetMidWrite(t, addr, randomBytes(1<<20))
	}
	for range scale(50) {
		c := dial(t, addr)
		_, _ = c.Write(randomBytes(4096))
		c.Close() // unread echo pending: the server meets a reset or an EOF
	}
	echoRoundTrip(t, addr, []byte("after the faults"), true)
	echoRoundTrip(t, addr, randomBytes(scale(16<<20)), false)
	require.True(t, eventually(20*time.Second, func() bool { return srv.Stats().Active == 0 }),
		"connections left open: %+v", srv.Stats())
}

func echoFunc(c *server.Conn, in []byte) (int, error) {
	_, err := c.Write(in)
	return len(in), err
}

func TestNetFaultsServerEcho(t *testing.T) {
	s := newSched(t)
	srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.Echo(), nil)
	require.NoError(t, err)
	defer srv.Close()
	echoFaults(t, srv)
}

func TestNetFaultsListen(t *testing.T) {
	for name, h := range map[string]server.Handler{"Echo": server.Echo(), "Func": server.Func(echoFunc)} {
		t.Run(name, func(t *testing.T) {
			srv, err := server.Listen(context.Background(), "127.0.0.1:0", h,
				&server.Options{MaxInput: 4 << 20, OnError: func(error) {}})
			require.NoError(t, err)
			echoFaults(t, srv)
			require.NoError(t, srv.Close())
			select {
			case <-srv.Done():
			case <-time.After(30 * time.Second):
				t.Fatal("a Listen server did not stop after Close")
			}
		})
	}
}

// TestNetFaultsServerCallbacks runs the faults against an event-driven server with every connection callback set
// and a low HighWater, so the 16 MiB echo may go through back-pressure and OnDrained (how often depends on how
// fast the client reads); every OnOpen must be matched by one OnClose, whatever ended the connection.
func TestNetFaultsServerCallbacks(t *testing.T) {
	for _, kind := range []string{"Serve", "Listen"} {
		t.Run(kind, func(t *testing.T) {
			var opens, closes, drains atomic.Int64
			h := server.Callbacks(server.Events{
				OnOpen:    func(*server.Conn) error { opens.Add(1); return nil },
				OnData:    echoFunc,
				OnDrained: func(*server.Conn) error { drains.Add(1); return nil },
				OnClose:   func(*server.Conn, error) { closes.Add(1) },
			})
			opts := &server.Options{MaxInput: 4 << 20, HighWater: 256 << 10, OnError: func(error) {}}
			var srv *server.Server
			var err error
			if kind == "Serve" {
				srv, err = server.Serve(context.Background(), newSched(t), "127.0.0.1:0", h, opts)
			} else {
				srv, err = server.Listen(context.Background(), "127.0.0.1:0", h, opts)
			}
			require.NoError(t, err)
			defer srv.Close()
			echoFaults(t, srv)
			require.True(t, eventually(20*time.Second, func() bool { return opens.Load() == closes.Load() }),
				"OnOpen %d times, OnClose %d times", opens.Load(), closes.Load())
			t.Logf("%d connections opened and closed, OnDrained %d times", opens.Load(), drains.Load())
		})
	}
}

func TestNetFaultsServerTLS(t *testing.T) {
	cert, key := selfSigned(t, t.TempDir())
	opts := func() *server.Options {
		return &server.Options{MaxInput: 4 << 20, OnError: func(error) {}, TLS: &server.TLSConfig{
			Certificate:      server.Certificate{CertFile: cert, KeyFile: key},
			HandshakeTimeout: 2 * time.Second,
		}}
	}
	for _, kind := range []string{"Serve", "Listen"} {
		t.Run(kind, func(t *testing.T) {
			var srv *server.Server
			var err error
			if kind == "Serve" {
				srv, err = server.Serve(context.Background(), newSched(t), "127.0.0.1:0", server.Func(echoFunc), opts())
			} else {
				srv, err = server.Listen(context.Background(), "127.0.0.1:0", server.Func(echoFunc), opts())
			}
			require.NoError(t, err)
			defer srv.Close()
			tlsFaults(t, srv)
		})
	}
}

// tlsFaults sends garbage (then EOF or silence), slow partial handshakes, resets in the middle of a handshake
// and half-closed TLS sessions to a TLS echo server; a good client must then still get a large echo back.
func tlsFaults(t *testing.T, srv *server.Server) {
	t.Helper()
	addr := srv.Addr().String()
	tlsGarbage(t, addr, scale(60), 100*time.Millisecond)
	for range scale(20) {
		// The server waits for the rest of the record: reset at once rather than after resetMidWrite's read.
		c := dial(t, addr)
		_, _ = c.Write([]byte{0x16, 0x03, 0x01, 0x00})
		require.NoError(t, c.(*net.TCPConn).SetLinger(0))
		c.Close()
	}
	cfg := &gotls.Config{InsecureSkipVerify: true}
	// Half-close inside TLS: close_notify after the request; the echo must still arrive in full.
	for range scale(5) {
		gc, err := gotls.Dial("tcp", addr, cfg)
		require.NoError(t, err)
		_ = gc.SetDeadline(time.Now().Add(60 * time.Second))
		msg := randomBytes(1000)
		_, err = gc.Write(msg)
		require.NoError(t, err)
		require.NoError(t, gc.CloseWrite())
		got := make([]byte, len(msg))
		_, err = io.ReadFull(gc, got)
		require.NoError(t, err, "echo after close_notify")
		assert.True(t, bytes.Equal(msg, got))
		gc.Close()
	}
	gc, err := gotls.Dial("tcp", addr, cfg)
	require.NoError(t, err, "a good client after the faults")
	defer gc.Close()
	_ = gc.SetDeadline(time.Now().Add(60 * time.Second))
	payload := randomBytes(scale(4 << 20))
	go func() { _, _ = gc.Write(payload) }()
	got := make([]byte, len(payload))
	_, err = io.ReadFull(gc, got)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(payload, got), "large TLS echo")
	gc.Close()
	require.True(t, eventually(20*time.Second, func() bool { return srv.Stats().Active == 0 }),
		"connections left open: %+v", srv.Stats())
}
