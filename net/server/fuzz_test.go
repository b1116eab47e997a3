package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
)

// FuzzHTTP200 feeds arbitrary bytes to the native HTTP/1 parser of the HTTP200 handler (cshim/net/server.cc has
// no Go entry, so through a loopback connection): whatever comes in, the server answers only well-formed
// responses, never crashes, and still answers a correct request on a fresh connection afterwards.
func FuzzHTTP200(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n", "\r\n\r\n", "GET", "\x00\xff\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.HTTP200("ok"), &server.Options{MaxInput: 64 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close(); _ = s.Close() })
	addr := srv.Addr().String()
	exchange := func(t *testing.T, in []byte) []byte {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("dial: %v (the server is gone?)", err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = c.Write(in)
		_ = c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(c)
		if err != nil && !isReset(err) {
			t.Fatalf("reading the answer to %q: %v", in, err)
		}
		return out
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := exchange(t, in)
		for len(out) > 0 { // only complete "HTTP/1.1 200" responses
			if !bytes.HasPrefix(out, []byte("HTTP/1.1 200")) {
				t.Fatalf("input %q: answer %q", in, out)
			}
			end := bytes.Index(out, []byte("\r\n\r\nok"))
			if end < 0 {
				t.Fatalf("input %q: truncated answer %q", in, out)
			}
			out = out[end+len("\r\n\r\nok"):]
		}
		if good := exchange(t, []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); !bytes.HasPrefix(good, []byte("HTTP/1.1 200")) {
			t.Fatalf("after input %q the server answers %q", in, good)
		}
	})
}

// isReset reports a connection reset (the server may close with unread input, which makes the kernel reset).
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
