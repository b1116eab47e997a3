package server_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/gocoro/gocoro/net/server"
	"github.com/stretchr/testify/require"
)

// waitGoroutines waits until at most n goroutines run (Listen's driving goroutine ends with its server).
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d, want <= %d\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Listen serves on its own loop: callbacks, AsyncWrite and Wake from other goroutines (which must wake a loop
// blocked in ProcessEvents), and every stop path frees the loop, its goroutine, descriptors and handles.
func TestListen(t *testing.T) {
	for _, how := range []string{"close", "shutdown", "ctx", "callback"} {
		t.Run(how, func(t *testing.T) {
			goroutines := runtime.NumGoroutine()
			checkNoLeaks(t, func() {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				opened := make(chan *server.Conn, 1)
				var srv *server.Server
				srv, err := server.Listen(ctx, "127.0.0.1:0", server.Callbacks(server.Events{
					OnOpen: func(c *server.Conn) error { opened <- c; return nil },
					OnData: func(c *server.Conn, in []byte) (int, error) {
						switch string(in) {
						case "":
							c.WriteString("woken")
						case "stop":
							require.NoError(t, srv.Close(), "returns at once from a callback")
						default:
							c.Write(in)
						}
						return len(in), nil
					},
				}), nil)
				require.NoError(t, err)
				c := dial(t, srv)
				sc := <-opened
				for i := 0; i < 100; i++ {
					msg := fmt.Sprintf("m%03d", i)
					_, err := c.Write([]byte(msg))
					require.NoError(t, err)
					require.Equal(t, msg, readN(t, c, len(msg)))
				}
				require.NoError(t, sc.AsyncWrite([]byte("async")))
				require.Equal(t, "async", readN(t, c, 5))
				require.NoError(t, sc.Wake())
				require.Equal(t, "woken", readN(t, c, 5))
				switch how {
				case "close":
					require.NoError(t, srv.Close())
				case "shutdown":
					c.Close()
					require.NoError(t, srv.Shutdown(context.Background()))
				case "ctx":
					cancel()
				case "callback":
					_, err := c.Write([]byte("stop"))
					require.NoError(t, err)
				}
				select {
				case <-srv.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("the server did not stop")
				}
				io.ReadAll(c) // EOF or a reset: the connection has ended
				c.Close()
				st := srv.Stats()
				require.EqualValues(t, 1, st.Accepted)
				require.Zero(t, st.Active)
				require.ErrorIs(t, sc.AsyncWrite([]byte("x")), server.ErrClosed)
			})
			waitGoroutines(t, goroutines)
		})
	}
}

// A Listen that fails (port in use, bad argument) frees the loop it started.
func TestListenErrors(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	checkNoLeaks(t, func() {
		first, err := server.Listen(context.Background(), "127.0.0.1:0", server.Echo(), nil)
		require.NoError(t, err)
		defer first.Close()
		_, err = server.Listen(context.Background(), first.Addr().String(), server.Echo(), nil)
		require.ErrorContains(t, err, "address already in use")
		_, err = server.Listen(context.Background(), "127.0.0.1:0", server.Handler{}, nil)
		require.ErrorContains(t, err, "zero Handler")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = server.Listen(ctx, "127.0.0.1:0", server.Echo(), nil)
		require.ErrorIs(t, err, context.Canceled)
		require.NoError(t, first.Close())
	})
	waitGoroutines(t, goroutines)
}

// Several loops on one port: one Listen per loop with ReusePort; the kernel spreads the connections and each
// server's Close frees its own loop.
func TestListenReusePort(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	checkNoLeaks(t, func() {
		echo := server.Func(func(c *server.Conn, in []byte) (int, error) {
			c.Write(in)
			return len(in), nil
		})
		opts := &server.Options{ReusePort: true}
		a, err := server.Listen(context.Background(), "127.0.0.1:0", echo, opts)
		require.NoError(t, err)
		b, err := server.Listen(context.Background(), a.Addr().String(), echo, opts)
		require.NoError(t, err)
		for i := 0; i < 40; i++ {
			c := dial(t, a)
			_, err := c.Write([]byte("ping"))
			require.NoError(t, err)
			require.Equal(t, "ping", readN(t, c, 4))
			c.Close()
		}
		require.NoError(t, a.Close())
		require.NoError(t, b.Close())
		require.EqualValues(t, 40, a.Stats().Accepted+b.Stats().Accepted)
	})
	waitGoroutines(t, goroutines)
}
