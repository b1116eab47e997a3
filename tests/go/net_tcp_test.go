// Parity scenarios 110-111 (test/net/test_tcp_server.cpp) through package net/tcp. Upstream listens on port
// 8080; here the listener takes a free port (127.0.0.1:0) so parallel test runs cannot collide. when_all of the
// server and client coroutines becomes two goroutines.
package gotest

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

func TestNetTCPServer(t *testing.T) {
	ctx := context.Background()

	t.Run("tcp_server ping server", func(t *testing.T) {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		defer s.Close()
		ln, err := tcp.Listen(ctx, s, "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()

		var wg sync.WaitGroup
		var serverErr error
		var serverGot string
		wg.Add(1)
		go func() { // server
			defer wg.Done()
			c, err := ln.AcceptTCP()
			if err != nil {
				serverErr = err
				return
			}
			defer c.Close()
			buf := make([]byte, 256)
			n, err := c.Read(buf)
			if err != nil {
				serverErr = err
				return
			}
			serverGot = string(buf[:n])
			_, serverErr = c.Write([]byte("Reply from server!"))
		}()

		c, err := tcp.Dial(ctx, s, ln.Addr().String()) // client
		require.NoError(t, err)
		n, err := c.Write([]byte("Hello from client"))
		require.NoError(t, err)
		require.Equal(t, 17, n)
		buf := make([]byte, 256)
		n, err = io.ReadAtLeast(c, buf, 18)
		require.NoError(t, err)
		require.Equal(t, "Reply from server!", string(buf[:n]))
		require.NoError(t, c.Close())
		wg.Wait()
		require.NoError(t, serverErr)
		require.Equal(t, "Hello from client", serverGot)
	})

	t.Run("tcp_server concurrent polling on the same socket", func(t *testing.T) {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
		require.NoError(t, err)
		defer s.Close()
		ln, err := tcp.Listen(ctx, s, "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()

		const size = 8096
		data := bytes.Repeat([]byte{'A'}, size)
		var wg sync.WaitGroup
		var serverErr, pollerErr error
		wg.Add(1)
		go func() { // server
			defer wg.Done()
			c, err := ln.AcceptTCP()
			if err != nil {
				serverErr = err
				return
			}
			defer c.Close()
			// One goroutine polls the connection for reading (2 s timeout) while another writes through it:
			// the read and write sides wait on separate descriptors of the same socket (upstream issue 224).
			var poller sync.WaitGroup
			defer poller.Wait() // before c.Close
			poller.Add(1)
			go func() {
				defer poller.Done()
				if err := c.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
					pollerErr = err
					return
				}
				_, pollerErr = c.Read(make([]byte, 1))
			}()
			time.Sleep(500 * time.Millisecond)
			_, serverErr = c.Write(data)
		}()

		c, err := tcp.Dial(ctx, s, ln.Addr().String()) // client
		require.NoError(t, err)
		got := make([]byte, size)
		_, err = io.ReadFull(c, got)
		require.NoError(t, err)
		require.Equal(t, data, got)
		require.NoError(t, c.Close())
		wg.Wait()
		require.NoError(t, serverErr)
		// The concurrent poll ended either by the 2 s timeout or by the client's close (EOF).
		if pollerErr != io.EOF {
			require.ErrorIs(t, pollerErr, os.ErrDeadlineExceeded)
		}
	})

	// Finished poll tasks release their handles through the completion queue, asynchronously.
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
