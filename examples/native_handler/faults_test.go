package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
)

// Network faults against a server.Native handler (tests/adversarial covers the other server kinds but cannot
// compile C++ of its own): slow, resetting, half-closing, large and garbage clients, one after the other against
// one linecount server, which must answer a normal client after each and end every connection it was given.
func TestLineCountHandlerFaults(t *testing.T) {
	// The whole test is bounded by this deadline (every socket's and every wait's), not by timing assertions.
	end := time.Now().Add(60 * time.Second)
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
	require.NoError(t, err)
	defer func() {
		require.NoError(t, s.Close())
		require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, time.Until(end), time.Millisecond)
	}()
	srv, err := serveLines(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer srv.Close()
	addr := srv.Addr().String()

	dials := 0 // connections made to the server, for Stats.Accepted
	dial := func() (*net.TCPConn, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		dials++
		return c.(*net.TCPConn), c.SetDeadline(end)
	}
	// normal checks a well-behaved client's exchange and that the server has ended every other connection.
	normal := func(t *testing.T, fault string) {
		t.Helper()
		c, err := dial()
		require.NoError(t, err)
		defer c.Close()
		_, err = io.WriteString(c, "after "+fault+"\nquit\n")
		require.NoError(t, err)
		got, err := io.ReadAll(c)
		require.NoError(t, err)
		require.Equal(t, "1: AFTER "+strings.ToUpper(fault)+"\nbye\n", string(got))
		require.Eventually(t, func() bool { return srv.Stats().Active == 0 }, time.Until(end), time.Millisecond,
			"after %s: %+v", fault, srv.Stats())
	}
	normal(t, "start")
	// Descriptors once the server, its scheduler and the runtime's poller are all set up: every fault's
	// connections, both ends, must be closed again by the end.
	fds := openFDs(t)

	t.Run("slowloris", func(t *testing.T) {
		// 100 clients each dribble a line that never ends, one byte every 20 ms for about a second, then close.
		// A normal client is served in the middle of it.
		var wg sync.WaitGroup
		for i := 0; i < 100; i++ {
			c, err := dial()
			require.NoError(t, err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				for j := 0; j < 50; j++ {
					if _, err := c.Write([]byte{'a' + byte(j%26)}); !assert.NoError(t, err) {
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			}()
		}
		c, err := dial()
		require.NoError(t, err)
		defer c.Close()
		_, err = io.WriteString(c, "during slowloris\nquit\n")
		require.NoError(t, err)
		got, err := io.ReadAll(c)
		require.NoError(t, err)
		require.Equal(t, "1: DURING SLOWLORIS\nbye\n", string(got))
		wg.Wait()
		normal(t, "slowloris")
	})

	t.Run("reset mid-write", func(t *testing.T) {
		// 30 clients send 1 MiB of lines without reading the answers, then reset (SO_LINGER 0): the handler meets
		// the reset while answering, or when it next reads. The write may stall once the unread answers fill the
		// socket buffers; a short write deadline ends it, and whatever went out is enough.
		var sb strings.Builder
		for sb.Len() < 1<<20 {
			fmt.Fprintf(&sb, "reset line %06d\n", sb.Len())
		}
		msg := sb.String()
		var wg sync.WaitGroup
		for i := 0; i < 30; i++ {
			c, err := dial()
			require.NoError(t, err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, c.SetWriteDeadline(time.Now().Add(3*time.Second)))
				_, _ = io.WriteString(c, msg) // a timeout is expected if the answers back up
				assert.NoError(t, c.SetLinger(0))
				assert.NoError(t, c.Close())
			}()
		}
		wg.Wait()
		normal(t, "reset")
	})

	t.Run("half-close", func(t *testing.T) {
		// After CloseWrite the handler still answers every complete line it has; the unterminated tail is
		// dropped at end of input, and the server then closes.
		c, err := dial()
		require.NoError(t, err)
		defer c.Close()
		var in, want strings.Builder
		for i := 1; i <= 2000; i++ {
			fmt.Fprintf(&in, "half %d\n", i)
			fmt.Fprintf(&want, "%d: HALF %d\n", i, i)
		}
		in.WriteString("no newline")
		go func() {
			_, err := io.WriteString(c, in.String())
			assert.NoError(t, err)
			assert.NoError(t, c.CloseWrite())
		}()
		got, err := io.ReadAll(c)
		require.NoError(t, err)
		requireSame(t, want.String(), string(got))
		normal(t, "half-close")
	})

	t.Run("large input", func(t *testing.T) {
		// 8 MiB of lines in one connection, written while the answers are read.
		c, err := dial()
		require.NoError(t, err)
		defer c.Close()
		var in, want strings.Builder
		for n := 1; in.Len() < 8<<20; n++ {
			fmt.Fprintf(&in, "large line %d\n", n)
			fmt.Fprintf(&want, "%d: LARGE LINE %d\n", n, n)
		}
		in.WriteString("quit\n")
		want.WriteString("bye\n")
		go func() {
			_, err := io.WriteString(c, in.String())
			assert.NoError(t, err)
		}()
		got, err := io.ReadAll(bufio.NewReaderSize(c, 1<<16))
		require.NoError(t, err)
		requireSame(t, want.String(), string(got))
		normal(t, "large")
	})

	t.Run("garbage", func(t *testing.T) {
		// Random bytes with NULs and no newline: never a line, so never an answer. Half the clients close at
		// once; the others half-close and see the server end the connection without a byte.
		rng := rand.New(rand.NewSource(20))
		for i := 0; i < 8; i++ {
			junk := make([]byte, 64<<10)
			rng.Read(junk)
			for j := range junk {
				if junk[j] == '\n' || j%97 == 0 {
					junk[j] = 0
				}
			}
			c, err := dial()
			require.NoError(t, err)
			_, err = c.Write(junk)
			require.NoError(t, err)
			if i%2 == 0 {
				require.NoError(t, c.Close())
				continue
			}
			require.NoError(t, c.CloseWrite())
			got, err := io.ReadAll(c)
			c.Close()
			require.NoError(t, err)
			require.Empty(t, got)
		}
		normal(t, "garbage")
	})

	require.Eventually(t, func() bool { st := srv.Stats(); return st.Active == 0 && st.Accepted == uint64(dials) },
		time.Until(end), time.Millisecond, "%d dials: %+v", dials, srv.Stats())
	require.Eventually(t, func() bool { return openFDs(t) <= fds }, time.Until(end), 5*time.Millisecond,
		"descriptors: %d before the faults, %d after", fds, openFDs(t))
	require.NoError(t, srv.Close())
	require.Zero(t, srv.Stats().Active)
}

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	n := leakcheck.FDs()
	require.Positive(t, n, "no /proc/self/fd")
	return n
}

// requireSame compares two long strings, reporting where they first differ rather than both in full.
func requireSame(t *testing.T, want, got string) {
	t.Helper()
	if want == got {
		return
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-40)
	t.Fatalf("%d bytes, want %d; first difference at %d: got %q, want %q", len(got), len(want), i,
		got[from:min(len(got), i+40)], want[from:min(len(want), i+40)])
}
