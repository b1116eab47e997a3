package tls_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tls"
)

// clientDialDeadline bounds each fuzzed dial: a server that answers with a valid-looking prefix and then goes silent
// must end the dial through this deadline, not hang it. Every such input costs this long, so it is short (at 2 s the
// fuzzer managed about 3 inputs a second).
const clientDialDeadline = 500 * time.Millisecond

// FuzzClientHandshakeGarbage points a net/tls client (tls.Dial) at a raw TCP server that reads the ClientHello and
// answers with arbitrary bytes, then closes the connection or, if keepOpen, leaves it open and silent until the dial
// returns. The dial must fail with an error (succeeding would need the bytes to be a valid handshake for this
// ClientHello) within its deadline: no crash, no hang.
func FuzzClientHandshakeGarbage(f *testing.F) {
	f.Add([]byte{}, false)
	f.Add([]byte{}, true)
	f.Add([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28}, false)                        // a handshake_failure alert
	f.Add([]byte{0x16, 0x03, 0x03, 0x00, 0x30, 0x02, 0x00, 0x00, 0x2c, 0x03, 0x03}, true) // a ServerHello cut short
	f.Add([]byte{0x16, 0x03, 0x03, 0xff, 0xff, 0x02}, false)                              // a length beyond the record limit
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), false)
	f.Add(bytes.Repeat([]byte{0xff}, 1024), true)
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		f.Fatal(err)
	}
	tc, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
	if err != nil {
		f.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = l.Close(); _ = s.Close() })
	addr := l.Addr().String()
	f.Fuzz(func(t *testing.T, in []byte, keepOpen bool) {
		dialed := make(chan struct{})
		served := make(chan error, 1)
		go func() {
			served <- serveGarbage(l, in, keepOpen, dialed)
		}()
		type outcome struct {
			c   *tls.Conn
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), clientDialDeadline)
			defer cancel()
			c, err := tls.Dial(ctx, s, addr, tc)
			done <- outcome{c, err}
		}()
		// Generous slack over the dial deadline: only a dial that ignores it fails here.
		select {
		case o := <-done:
			if o.err == nil {
				o.c.Close()
			}
		case <-time.After(clientDialDeadline + 15*time.Second):
			t.Fatalf("after server bytes %x (keepOpen %v) the dial hangs past its deadline", in, keepOpen)
		}
		close(dialed)
		if err := <-served; err != nil {
			t.Fatalf("server side: %v", err)
		}
	})
}

// serveGarbage accepts one connection on l, reads the client's first record (the ClientHello), writes in, and then
// closes the connection, after dialed is closed if keepOpen. Only a failed accept is an error: a client that gave up
// at its deadline before its ClientHello arrived (a loaded machine) is an outcome the dial allows.
func serveGarbage(l net.Listener, in []byte, keepOpen bool, dialed <-chan struct{}) error {
	if tl, ok := l.(*net.TCPListener); ok {
		_ = tl.SetDeadline(time.Now().Add(10 * time.Second))
	}
	c, err := l.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil
	}
	if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint16(hdr[3:]))); err != nil {
		return nil
	}
	// The client may already have given up; a failed write is part of what is fuzzed, not a finding.
	_, _ = c.Write(in)
	if keepOpen {
		<-dialed
	}
	return nil
}
