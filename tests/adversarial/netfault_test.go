package adversarial

import (
	"bytes"
	"context"
	crand "crypto/rand"
	gotls "crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/server"
	"github.com/gocoro/gocoro/net/tcp"
	"github.com/gocoro/gocoro/net/tls"
	"github.com/gocoro/gocoro/net/udp"
)

// Network faults against every server kind, loopback only, from plain Go clients: slowloris, reset in the
// middle of a write (SO_LINGER 0), half-close, garbage, large echoes. After each fault the server must still
// answer a well-behaved client.

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	require.NoError(t, err)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	return c
}

// slowloris opens n connections that each send a fragment and then nothing, holds them for hold, and closes them.
func slowloris(t *testing.T, addr string, n int, fragment string, hold time.Duration) {
	t.Helper()
	var conns []net.Conn
	for range n {
		c := dial(t, addr)
		_, _ = c.Write([]byte(fragment))
		conns = append(conns, c)
	}
	time.Sleep(hold)
	for _, c := range conns {
		c.Close()
	}
}

// resetMidWrite asks for a large answer and aborts the connection (RST) while the server is writing it.
func resetMidWrite(t *testing.T, addr string, request []byte) {
	t.Helper()
	c := dial(t, addr)
	_, _ = c.Write(request)
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = c.Read(make([]byte, 100)) // the server is answering (or waiting for more)
	require.NoError(t, c.(*net.TCPConn).SetLinger(0))
	c.Close()
}

func echoRoundTrip(t *testing.T, addr string, payload []byte, halfClose bool) {
	t.Helper()
	c := dial(t, addr)
	defer c.Close()
	var got []byte
	var rerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 0, len(payload))
		tmp := make([]byte, 64<<10)
		for len(buf) < len(payload) {
			n, err := c.Read(tmp)
			buf = append(buf, tmp[:n]...)
			if err != nil {
				rerr = err
				break
			}
		}
		got = buf
	}()
	_, err := c.Write(payload)
	require.NoError(t, err)
	if halfClose {
		require.NoError(t, c.(*net.TCPConn).CloseWrite())
	}
	<-done
	require.NoError(t, rerr)
	require.True(t, bytes.Equal(payload, got), "echo differs: sent %d bytes, got %d %q", len(payload), len(got), got[:min(len(got), 200)])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return b
}

func TestNetFaultsServerFunc(t *testing.T) {
	s := newSched(t)
	srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.Func(func(c *server.Conn, in []byte) (int, error) {
		_, err := c.Write(in)
		return len(in), err
	}), &server.Options{MaxInput: 4 << 20, OnError: func(error) {}})
	require.NoError(t, err)
	defer srv.Close()
	addr := srv.Addr().String()
	slowloris(t, addr, scale(300), "partial", 200*time.Millisecond)
	for range scale(50) {
		resetMidWrite(t, addr, randomBytes(1<<20))
	}
	echoRoundTrip(t, addr, []byte("after the faults"), true)
	echoRoundTrip(t, addr, randomBytes(scale(16<<20)), false)
	require.True(t, eventually(20*time.Second, func() bool { return srv.Stats().Active == 0 }),
		"connections left open: %+v", srv.Stats())
}

func TestNetFaultsServerHTTP200(t *testing.T) {
	s := newSched(t)
	srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.HTTP200("ok"), nil)
	require.NoError(t, err)
	defer srv.Close()
	addr := srv.Addr().String()
	slowloris(t, addr, scale(300), "GET / HTTP/1.1\r\nHost: x\r\n", 200*time.Millisecond)
	for range scale(50) {
		c := dial(t, addr)
		_, _ = c.Write(randomBytes(4096)) // garbage: closed or ignored, never a crash
		c.Close()
	}
	pipelined := bytes.Repeat([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), scale(10000))
	for range scale(20) {
		resetMidWrite(t, addr, pipelined)
	}
	c := dial(t, addr)
	defer c.Close()
	_, err = c.Write(pipelined)
	require.NoError(t, err)
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	all, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, scale(10000), bytes.Count(all, []byte("HTTP/1.1 200")), "every pipelined request answered")
}

func TestNetFaultsTCPWithNetHTTP(t *testing.T) {
	s := newSched(t)
	l, err := tcp.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	big := bytes.Repeat([]byte("x"), 1<<20)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, _ = w.Write(big)
			return
		}
		body, _ := io.ReadAll(r.Body)
		_, _ = w.Write(body)
	}), ReadHeaderTimeout: 2 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(l) }()
	defer func() {
		require.NoError(t, hs.Close())
		<-served
	}()
	addr := l.Addr().String()
	slowloris(t, addr, scale(200), "GET / HTTP/1.1\r\nHo", 300*time.Millisecond)
	for range scale(30) {
		resetMidWrite(t, addr, []byte("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"))
	}
	payload := randomBytes(scale(8 << 20))
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Post("http://"+addr+"/echo", "application/octet-stream", bytes.NewReader(payload))
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.True(t, bytes.Equal(payload, got), "large echo through net/http on a tcp.Listener")
}

func TestNetFaultsTLS(t *testing.T) {
	s := newSched(t)
	cert, key := selfSigned(t, t.TempDir())
	tc, err := tls.NewContext(tls.Config{CertFile: cert, KeyFile: key})
	require.NoError(t, err)
	l, err := tls.Listen(context.Background(), s, "127.0.0.1:0", tc)
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // echo every accepted connection; a failed handshake just ends that connection
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(60 * time.Second))
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	defer func() { l.Close(); wg.Wait() }()
	addr := l.Addr().String()
	tlsGarbage(t, addr, scale(120), 200*time.Millisecond)
	for range scale(20) {
		resetMidWrite(t, addr, []byte{0x16, 0x03, 0x01, 0x00})
	}
	gc, err := gotls.Dial("tcp", addr, &gotls.Config{InsecureSkipVerify: true})
	require.NoError(t, err, "a good client after the garbage")
	defer gc.Close()
	_ = gc.SetDeadline(time.Now().Add(60 * time.Second))
	payload := randomBytes(scale(4 << 20))
	go func() { _, _ = gc.Write(payload) }()
	got := make([]byte, len(payload))
	_, err = io.ReadFull(gc, got)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(payload, got), "large TLS echo")
}

func TestNetFaultsUDP(t *testing.T) {
	s := newSched(t)
	p, err := udp.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer p.Close()
	c, err := net.Dial("udp", p.LocalAddr().String())
	require.NoError(t, err)
	defer c.Close()
	sizes := []int{0, 1, 1472, 9000, 65507}
	for _, n := range sizes {
		_, err := c.Write(randomBytes(n))
		require.NoError(t, err, "size %d", n)
	}
	buf := make([]byte, 70000)
	for _, n := range sizes {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, _, err := p.ReadFromContext(ctx, buf)
		cancel()
		require.NoError(t, err)
		assert.Equal(t, n, got)
	}
	// A small buffer truncates, never overflows.
	_, err = c.Write(randomBytes(1000))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	small := make([]byte, 10)
	n, _, err := p.ReadFromContext(ctx, small)
	if err == nil {
		assert.LessOrEqual(t, n, 10)
	}
	// Sending to a closed port (ICMP unreachable) must not break the peer.
	dead, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.LocalAddr().(*net.UDPAddr)
	dead.Close()
	for range scale(100) {
		_, _ = p.WriteToUDP([]byte("x"), deadAddr)
	}
	_, err = c.Write([]byte("still"))
	require.NoError(t, err)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	for {
		n, _, err := p.ReadFromContext(ctx2, buf)
		if err != nil && ctx2.Err() != nil {
			t.Fatalf("the peer stopped receiving: %v", err)
		}
		if err == nil && string(buf[:n]) == "still" {
			break
		}
	}
}

// tlsGarbage sends a TLS server `rounds` connections of garbage (then EOF on even rounds, silence on odd ones),
// reading what comes back for `wait`, then slow partial handshakes (slowloris).
func tlsGarbage(t *testing.T, addr string, rounds int, wait time.Duration) {
	t.Helper()
	garbage := [][]byte{randomBytes(1), randomBytes(5), randomBytes(4096),
		[]byte("GET / HTTP/1.1\r\n\r\n"), {0x16, 0x03, 0x01, 0xff, 0xff}, {0x16, 0x03, 0x03, 0x00, 0x01, 0x01}}
	for i := range rounds {
		c := dial(t, addr)
		_, _ = c.Write(garbage[i%len(garbage)])
		if i%2 == 0 {
			_ = c.(*net.TCPConn).CloseWrite()
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	}
	slowloris(t, addr, scale(100), "\x16\x03\x01", 200*time.Millisecond)
}
