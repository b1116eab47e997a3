package gobench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

// B11 (tcp echo, thread pool): 100 connections, each sending n/100 36-byte messages and reading each echo back
// before sending the next, like the C++ program. "go" runs both ends on package net/tcp (server and clients on
// two IOSchedulers with thread pools, one goroutine per connection end); "plaingo" uses Go's net package.
// tcp_echo_goclient is the same with only the server on net/tcp and the clients on Go's net, so that the cost of
// one side shows; its "plaingo" twin is plainTCPEcho again.

const (
	echoConnections = 100
	echoMessage     = "im a data point in a stream of bytes" // 36 bytes, as in the C++ program
)

// schedulerPair makes the two IOSchedulers (thread pools) of a "go" echo row: the server's and the clients'.
func schedulerPair() (server, client *coro.IOScheduler, err error) {
	if server, err = coro.NewIOScheduler(coro.IOSchedulerOptions{}); err != nil {
		return nil, nil, err
	}
	if client, err = coro.NewIOScheduler(coro.IOSchedulerOptions{}); err != nil {
		server.Close()
		return nil, nil, err
	}
	return server, client, nil
}

// schedulerListener makes an IOScheduler (thread pool) and a net/tcp listener on it; closeAll closes both.
func schedulerListener() (s *coro.IOScheduler, ln *tcp.Listener, closeAll func(), err error) {
	if s, err = coro.NewIOScheduler(coro.IOSchedulerOptions{}); err != nil {
		return nil, nil, nil, err
	}
	if ln, err = tcp.Listen(context.Background(), s, "127.0.0.1:0"); err != nil {
		s.Close()
		return nil, nil, nil, err
	}
	return s, ln, func() { ln.Close(); s.Close() }, nil
}

func tcpEchoPool(n int) (int64, error) {
	count := max(n/echoConnections, 1)
	serverSched, clientSched, err := schedulerPair()
	if err != nil {
		return 0, err
	}
	defer serverSched.Close()
	defer clientSched.Close()
	ln, err := tcp.Listen(context.Background(), serverSched, "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	dial := func() (net.Conn, error) { return tcp.Dial(context.Background(), clientSched, ln.Addr().String()) }
	return echoRun("tcp_echo_pool", ln, dial, count)
}

func tcpEchoGoClient(n int) (int64, error) {
	count := max(n/echoConnections, 1)
	_, ln, closeAll, err := schedulerListener()
	if err != nil {
		return 0, err
	}
	defer closeAll()
	dial := func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }
	return echoRun("tcp_echo_goclient", ln, dial, count)
}

func plainTCPEcho(n int) (int64, error) {
	count := max(n/echoConnections, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	dial := func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }
	return echoRun("tcp_echo_pool", ln, dial, count)
}

// echoRun serves echoConnections connections of ln (one goroutine each, echoing until EOF) and runs as many
// clients, each exchanging count messages; it checks every echo. The time measured (Measured) starts once ln is
// listening and ends when every client is done: connecting is included, making and closing the IOSchedulers is
// not (the first IOScheduler of a process also pays the native runtime's one-time start-up, about 10 ms, which
// dominated -quick runs).
func echoRun(name string, ln net.Listener, dial func() (net.Conn, error), count int) (int64, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 2*echoConnections+1)
	serveEach(ln, echoConnections, &wg, errs, func(c net.Conn) error {
		buf := make([]byte, 4096)
		for {
			k, err := c.Read(buf)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if _, err := c.Write(buf[:k]); err != nil {
				return err
			}
		}
	})
	msg := []byte(echoMessage)
	for i := 0; i < echoConnections; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial()
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			buf := make([]byte, len(msg))
			for j := 0; j < count; j++ {
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(buf, msg) {
					errs <- fmt.Errorf("%s: echo mismatch: %q", name, buf)
					return
				}
			}
		}()
	}
	wg.Wait()
	return measuredRun(start, errs, int64(echoConnections*count))
}

// serveEach accepts n connections of ln and runs serve on each in a goroutine of its own (counted in wg), closing the
// connection after it; errors go to errs.
func serveEach(ln net.Listener, n int, wg *sync.WaitGroup, errs chan<- error, serve func(net.Conn) error) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			c, err := ln.Accept()
			if err != nil {
				errs <- err
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if err := serve(c); err != nil {
					errs <- err
				}
			}()
		}
	}()
}

// tcp_connect: the cost of a connection's whole life. connectDialers goroutines dial in turn until n connections
// have been made; each sends one byte, the server's goroutine for it answers one byte and closes, and the client
// reads the answer and the end of the stream, then closes (the server closes first, so the clients' ports never
// wait in TIME_WAIT). "go" runs both ends on net/tcp (one IOScheduler), "plaingo" on Go's net.
const connectDialers = 8

func tcpConnect(n int) (int64, error) {
	s, ln, closeAll, err := schedulerListener()
	if err != nil {
		return 0, err
	}
	defer closeAll()
	return connectRun(ln, func() (net.Conn, error) { return tcp.Dial(context.Background(), s, ln.Addr().String()) }, n)
}

func plainTCPConnect(n int) (int64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return connectRun(ln, func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }, n)
}

func connectRun(ln net.Listener, dial func() (net.Conn, error), n int) (int64, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 2*n+1)
	serveEach(ln, n, &wg, errs, func(c net.Conn) error {
		var b [1]byte
		if _, err := io.ReadFull(c, b[:]); err != nil {
			return err
		}
		_, err := c.Write(b[:])
		return err
	})
	var next sync.WaitGroup
	var made atomic.Int64
	for range connectDialers {
		next.Add(1)
		go func() {
			defer next.Done()
			for made.Add(1) <= int64(n) {
				if err := connectOnce(dial); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	next.Wait()
	wg.Wait()
	return measuredRun(start, errs, int64(n))
}

// measuredRun ends a run that started at start: it records the time (Measured) and returns ops, or the first error
// reported on errs.
func measuredRun(start time.Time, errs <-chan error, ops int64) (int64, error) {
	Measured = time.Since(start)
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return ops, nil
}

// connectOnce is one client connection of tcp_connect.
func connectOnce(dial func() (net.Conn, error)) error {
	c, err := dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte{'x'}); err != nil {
		return err
	}
	rest, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if string(rest) != "x" {
		return fmt.Errorf("tcp_connect: got %q, want \"x\"", rest)
	}
	return nil
}
