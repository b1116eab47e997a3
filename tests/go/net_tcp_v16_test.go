// Parity scenarios 419, 421 and 422 (libcoro v0.16 net/test_tcp_server.cpp) through package net/tcp. Upstream
// listens on port 8080; here the listener takes a free port (127.0.0.1:0) so parallel test runs cannot collide.
// v0.16's read_some/read_exact with a timeout are Read/io.ReadFull under a read deadline (os.ErrDeadlineExceeded
// is io_status timeout); the server and client coroutines become goroutines.
package gotest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

func TestNetTCPServerV16(t *testing.T) {
	ctx := context.Background()

	t.Run("tcp_server nullptr scheduler", func(t *testing.T) {
		c, err := tcp.Dial(ctx, nil, "127.0.0.1:8080")
		require.ErrorIs(t, err, coro.ErrInvalid)
		require.Nil(t, c)
		ln, err := tcp.Listen(ctx, nil, "127.0.0.1:8080")
		require.ErrorIs(t, err, coro.ErrInvalid)
		require.Nil(t, ln)
	})

	// parity-note: "tcp_server timeout": the server keeps the connection open until the client has seen its timeout (upstream: a 100 ms yield_for), so that a loaded machine cannot turn the timeout into end of stream.
	t.Run("tcp_server timeout", func(t *testing.T) {
		const timeout = 50 * time.Millisecond
		for _, exact := range []bool{true, false} {
			name := "exact: 0"
			if exact {
				name = "exact: 1"
			}
			t.Run(name, func(t *testing.T) {
				s := sched1(t)
				ln, err := tcp.Listen(ctx, s, "127.0.0.1:0")
				require.NoError(t, err)
				defer ln.Close()
				clientDone := make(chan struct{})
				served := make(chan error, 1)
				go func() { // server
					c, err := ln.AcceptTCP()
					if err != nil {
						served <- err
						return
					}
					defer c.Close()
					if exact {
						if _, err := c.Write(bytes.Repeat([]byte{0xAA}, 10)); err != nil {
							served <- err
							return
						}
					}
					<-clientDone
					served <- nil
				}()

				c, err := tcp.Dial(ctx, s, ln.Addr().String())
				require.NoError(t, err)
				defer c.Close()
				require.NoError(t, c.SetReadDeadline(time.Now().Add(timeout)))
				var n int
				if exact {
					buf := make([]byte, 100)
					n, err = io.ReadFull(c, buf) // read_exact: all 100 bytes or the timeout
					require.Equal(t, bytes.Repeat([]byte{0xAA}, 10), buf[:n], "the 10 bytes that did arrive")
				} else {
					n, err = c.Read(make([]byte, 10)) // read_some
					require.Zero(t, n)
				}
				close(clientDone)
				require.ErrorIs(t, err, os.ErrDeadlineExceeded)
				require.NoError(t, <-served)
			})
		}
	})

	// parity-note: "tcp_server graceful shutdown via socket": server.shutdown() is Listener.Close, and the pending accept's io_status cancelled is net.ErrClosed; the main goroutine waits 100 ms (upstream 500 ms) before closing.
	t.Run("tcp_server graceful shutdown via socket", func(t *testing.T) {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
		require.NoError(t, err)
		ln, err := tcp.Listen(ctx, s, "127.0.0.1:0")
		require.NoError(t, err)
		started := make(chan struct{})
		accepted := make(chan error, 1)
		go func() {
			close(started)
			c, err := ln.Accept()
			if err == nil {
				c.Close()
				err = errors.New("accept returned a connection nobody made")
			}
			accepted <- err
		}()
		<-started
		time.Sleep(100 * time.Millisecond)
		require.NoError(t, ln.Close())
		select {
		case err := <-accepted:
			require.ErrorIs(t, err, net.ErrClosed)
		case <-time.After(10 * time.Second):
			t.Fatal("Accept still blocked after Listener.Close")
		}
		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		select {
		case err := <-closed:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("IOScheduler.Close hangs after the listener's shutdown")
		}
	})

	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
