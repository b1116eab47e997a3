package server_test

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/server"
)

// A loop kept busy with Go callbacks must not starve the program's other goroutines. Every callback enters Go from
// the loop's C++ thread, and while callbacks keep coming that thread keeps coming back for a P: the kind of hand-off
// that starved the goroutines queued behind awaiting task bodies (coro/task_fairness_test.go). Clients keep each kind
// of loop busy; goroutines made meanwhile must each run.
func TestBusyLoopsDoNotStarveGoroutines(t *testing.T) {
	echo := server.Func(func(c *server.Conn, in []byte) (int, error) {
		c.Write(in)
		return len(in), nil
	})
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) *server.Server
	}{
		{"serve_pool", func(t *testing.T) *server.Server { return serve(t, newScheduler(t, false), echo, nil) }},
		{"serve_inline", func(t *testing.T) *server.Server { return serve(t, newScheduler(t, true), echo, nil) }},
		{"listen", func(t *testing.T) *server.Server {
			srv, err := server.Listen(context.Background(), "127.0.0.1:0", echo, nil)
			require.NoError(t, err)
			t.Cleanup(func() { srv.Close() })
			return srv
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.start(t)
			var stop atomic.Bool
			var echoes atomic.Int64
			var clients sync.WaitGroup
			const clientCount = 8
			failed := make(chan error, clientCount)
			for range clientCount {
				c := dial(t, srv)
				require.NoError(t, c.SetDeadline(time.Time{}))
				clients.Add(1)
				go func(c net.Conn) {
					defer clients.Done()
					msg := make([]byte, 64)
					for !stop.Load() {
						if _, err := c.Write(msg); err != nil {
							failed <- err
							return
						}
						if _, err := io.ReadFull(c, msg); err != nil {
							failed <- err
							return
						}
						echoes.Add(1)
					}
				}(c)
			}
			require.Eventually(t, func() bool { return echoes.Load() > 1000 }, 20*time.Second, time.Millisecond,
				"the clients did not get going")
			time.Sleep(200 * time.Millisecond) // a timer's goroutine must get its turn too
			const others = 8
			var ran sync.WaitGroup
			ran.Add(others)
			for range others {
				go ran.Done()
			}
			done := make(chan struct{})
			go func() { ran.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Errorf("goroutines made while the loop serves did not run within 20 s")
			}
			before := echoes.Load()
			require.Eventually(t, func() bool { return echoes.Load() > before }, 20*time.Second, time.Millisecond,
				"serving stopped")
			stop.Store(true)
			clients.Wait()
			select {
			case err := <-failed:
				t.Fatalf("a client failed: %v", err)
			default:
			}
		})
	}
}
