package tcp_test

import (
	"context"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/gocoro/gocoro/net/tcp"
)

// BenchmarkPingPong exchanges 36-byte messages over one loopback connection, echoed by a server goroutine:
// "tcp" has both ends on this package, "net" on Go's net (the reference). Besides ns/op it reports the process's
// CPU time per message (cpu-ns/op, user+sys from getrusage), which stays comparable when the machine is loaded.
func BenchmarkPingPong(b *testing.B) {
	b.Run("tcp", func(b *testing.B) {
		s := newScheduler(b)
		ln, err := tcp.Listen(context.Background(), s, "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		pingPong(b, ln, func() (net.Conn, error) { return tcp.Dial(context.Background(), s, ln.Addr().String()) })
	})
	b.Run("net", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		pingPong(b, ln, func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) })
	})
}

func pingPong(b *testing.B, ln net.Listener, dial func() (net.Conn, error)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	c, err := dial()
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte("im a data point in a stream of bytes")
	buf := make([]byte, len(msg))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	c.Close()
	<-done
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
