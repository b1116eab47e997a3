package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

func TestLineCountHandler(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
	require.NoError(t, err)
	defer s.Close()
	srv, err := serveLines(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)

	// Lines split across writes, several lines in one write, per-connection numbering, "quit".
	c, err := net.Dial("tcp", srv.Addr().String())
	require.NoError(t, err)
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	r := bufio.NewReader(c)
	for _, part := range []string{"hel", "lo\r\nwor", "ld\nabc\n"} {
		_, err = io.WriteString(c, part)
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond)
	}
	for _, want := range []string{"1: HELLO\n", "2: WORLD\n", "3: ABC\n"} {
		got, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err = io.WriteString(c, "last\nquit\nnever answered\n")
	require.NoError(t, err)
	rest, err := io.ReadAll(r) // the handler returns after "quit": the server closes the connection
	require.NoError(t, err)
	require.Equal(t, "4: LAST\nbye\n", string(rest))
	c.Close()

	// Concurrent connections number their lines independently.
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", srv.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			var sb strings.Builder
			for j := 1; j <= 50; j++ {
				fmt.Fprintf(&sb, "c%d l%d\n", i, j)
			}
			go io.WriteString(c, sb.String())
			r := bufio.NewReader(c)
			for j := 1; j <= 50; j++ {
				got, err := r.ReadString('\n')
				if err != nil || got != fmt.Sprintf("%d: C%d L%d\n", j, i, j) {
					t.Errorf("conn %d line %d: %q %v", i, j, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()

	require.EqualValues(t, 4+500, srv.Lines())
	st := srv.Stats()
	require.EqualValues(t, 11, st.Accepted)
	require.EqualValues(t, 4+500, st.Requests)
	require.Greater(t, st.BytesRead, uint64(500*6))
	require.Greater(t, st.BytesWritten, st.BytesRead)

	// Close with a connection open: the handler's poll reports closed and it returns.
	// Waiting for this connection's accept, not only for one active connection: a finished client's connection
	// may still count as active, and closing the listener with this one still queued would reset it.
	c, err = net.Dial("tcp", srv.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	require.Eventually(t, func() bool { st := srv.Stats(); return st.Accepted == 12 && st.Active == 1 },
		5*time.Second, time.Millisecond)
	require.NoError(t, srv.Close())
	_, err = io.ReadAll(c)
	require.NoError(t, err)
	require.Zero(t, srv.Stats().Active)
}

func TestLibcoroClientHandler(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	require.NoError(t, err)
	defer s.Close()
	srv, err := serveEcho(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer srv.Close()
	// The client side over net/tcp on the same scheduler: one binary links coro, net/tcp, net/server and this
	// package's own C++ (each symbol defined once).
	c, err := tcp.Dial(context.Background(), s, srv.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	msg := strings.Repeat("libcoro tcp::client ", 50000)
	go io.WriteString(c, msg)
	got := make([]byte, len(msg))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, msg, string(got))
	require.NoError(t, srv.Close()) // the handler's client (a dup of the socket) sees the shutdown too
	_, err = io.ReadAll(c)
	require.NoError(t, err)
}

// Handlers written against libcoro v0.16 (v16_handlers.cc, LIBCORO_API_VERSION=1600) load through the same C ABI
// and run next to the v0.14 ones of linecount.cc in this binary; against an upstream v0.14 install they are absent
// and serving them fails with errV16Unavailable.
func TestV16Handlers(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
	require.NoError(t, err)
	defer func() {
		require.NoError(t, s.Close())
		require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
	}()
	if !v16HandlersBuilt() { // built against a user's upstream libcoro v0.14
		_, err := serveUpper16(context.Background(), s, "127.0.0.1:0")
		require.ErrorIs(t, err, errV16Unavailable)
		return
	}

	t.Run("connection read_some write_all", func(t *testing.T) {
		srv, err := serveUpper16(context.Background(), s, "127.0.0.1:0")
		require.NoError(t, err)
		defer srv.Close()
		c, err := net.Dial("tcp", srv.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
		msg := strings.Repeat("v0.16 read_some and write_all ", 40000) // > socket buffers: write_all has to poll
		go io.WriteString(c, msg)
		got := make([]byte, len(msg))
		_, err = io.ReadFull(c, got)
		require.NoError(t, err)
		require.Equal(t, strings.ToUpper(msg), string(got))
		st := srv.Stats()
		require.EqualValues(t, len(msg), st.BytesRead) // counted by the v0.16 view
		require.Positive(t, st.Requests)
		// write_all counts what send() took once it returns, and the peer may have read those bytes by then.
		require.Eventually(t, func() bool { return srv.Stats().BytesWritten == uint64(len(msg)) }, 10*time.Second,
			time.Millisecond, "BytesWritten %d", srv.Stats().BytesWritten)

		// Close with the connection open: the handler's read_some reports closed and it returns.
		require.NoError(t, srv.Close())
		_, err = io.ReadAll(c)
		require.NoError(t, err)
		require.Zero(t, srv.Stats().Active)
	})

	t.Run("v0.16 tcp client", func(t *testing.T) {
		srv, err := serveEcho16(context.Background(), s, "127.0.0.1:0")
		require.NoError(t, err)
		defer srv.Close()
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp", srv.Addr().String())
				if !assert.NoError(t, err) {
					return
				}
				defer c.Close()
				assert.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
				msg := strings.Repeat(fmt.Sprintf("client %d via coro::net::tcp::client v0.16 ", i), 20000)
				go io.WriteString(c, msg)
				got := make([]byte, len(msg))
				_, err = io.ReadFull(c, got)
				assert.NoError(t, err)
				assert.Equal(t, msg, string(got))
			}()
		}
		wg.Wait()
		require.EqualValues(t, 4, srv.Stats().Accepted)

		c, err := net.Dial("tcp", srv.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		// This connection accepted and the others' ended (see TestLineCountHandler).
		require.Eventually(t, func() bool { st := srv.Stats(); return st.Accepted == 5 && st.Active == 1 },
			5*time.Second, time.Millisecond)
		require.NoError(t, srv.Close()) // the handler's client (a dup of the socket) sees the shutdown too
		_, err = io.ReadAll(c)
		require.NoError(t, err)
		require.Zero(t, srv.Stats().Active)
	})
}
