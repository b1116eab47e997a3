package tls_test

import (
	"context"
	gotls "crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tls"
)

// FuzzHandshakeGarbage writes arbitrary bytes as the first flight to a net/tls listener (TLS record handling at
// the Go boundary: the handshake fails with an error, nothing crashes or hangs) and then checks that a real TLS
// client still completes a handshake and an echo.
func FuzzHandshakeGarbage(f *testing.F) {
	f.Add([]byte{0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00})
	f.Add([]byte{0x16, 0x03, 0x03, 0xff, 0xff})
	f.Add([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte{})
	crt := newCert(f, f.TempDir(), "fuzz")
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		f.Fatal(err)
	}
	tc, err := tls.NewContext(tls.Config{CertFile: crt.certFile, KeyFile: crt.keyFile})
	if err != nil {
		f.Fatal(err)
	}
	l, err := tls.Listen(context.Background(), s, "127.0.0.1:0", tc)
	if err != nil {
		f.Fatal(err)
	}
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
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	f.Cleanup(func() { _ = l.Close(); wg.Wait(); _ = s.Close() })
	addr := l.Addr().String()
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		_, _ = c.Write(in)
		_ = c.(*net.TCPConn).CloseWrite()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.Copy(io.Discard, c)
		c.Close()

		gc, err := gotls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr,
			&gotls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("after input %x a real handshake fails: %v", in, err)
		}
		defer gc.Close()
		_ = gc.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := gc.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(gc, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("echo after input %x: %q %v", in, buf, err)
		}
	})
}
