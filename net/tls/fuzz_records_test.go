package tls_test

import (
	"context"
	gotls "crypto/tls"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tls"
)

// FuzzRecordsAfterHandshake injects arbitrary bytes into a connection whose handshake has completed: a crypto/tls
// client over a TCP connection the test holds does the handshake and sends one good record, then the fuzzed bytes
// go raw onto the socket, then EOF. The net/tls Conn reading on the other side (Go's record layer, which took the
// TLS 1.3 session over from OpenSSL) must return data or an error for all of it and end at the EOF: no crash, no
// hang.
func FuzzRecordsAfterHandshake(f *testing.F) {
	f.Add([]byte{0x17, 0x03, 0x03, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05}) // application data that fails to decrypt
	f.Add([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00})                   // a plaintext close_notify alert
	f.Add([]byte{0x16, 0x03, 0x03, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00})       // a handshake message after the handshake
	f.Add([]byte{0x14, 0x03, 0x03, 0x00, 0x01, 0x01})                         // ChangeCipherSpec
	f.Add([]byte{0x17, 0x03, 0x03, 0xff, 0xff})                               // a header promising more than a record may hold
	f.Add([]byte{0x17, 0x03})                                                 // a truncated header
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
	f.Cleanup(func() { _ = l.Close(); _ = s.Close() })
	addr := l.Addr().String()
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		raw, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer raw.Close()
		sc, err := l.AcceptTLS()
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		defer sc.Close()
		// The deadline only bounds a hang; reaching it is the failure this target looks for.
		_ = sc.SetDeadline(time.Now().Add(10 * time.Second))
		type outcome struct {
			got []byte
			err error
		}
		done := make(chan outcome, 1)
		go func() { // the server handshake runs in the first Read
			var got []byte
			buf := make([]byte, 4096)
			for {
				n, err := sc.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					done <- outcome{got, err}
					return
				}
			}
		}()
		_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
		gc := gotls.Client(raw, &gotls.Config{InsecureSkipVerify: true})
		if err := gc.HandshakeContext(ctx); err != nil {
			t.Fatalf("handshake: %v", err)
		}
		if _, err := gc.Write([]byte("hello")); err != nil {
			t.Fatalf("write: %v", err)
		}
		_, _ = raw.Write(in)
		_ = raw.(*net.TCPConn).CloseWrite()
		select {
		case o := <-done:
			if errors.Is(o.err, os.ErrDeadlineExceeded) {
				t.Fatalf("after input %x the Read did not end at EOF (got %q)", in, o.got)
			}
			if len(o.got) < len("hello") || string(o.got[:5]) != "hello" {
				t.Fatalf("the good record before input %x was not read: %q %v", in, o.got, o.err)
			}
		case <-ctx.Done():
			t.Fatalf("after input %x the Read hangs past its deadline", in)
		}
	})
}
