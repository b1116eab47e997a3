package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/server"
	"github.com/stretchr/testify/require"
)

const hello = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nHello, World!"

func newScheduler(t *testing.T, inline bool) *coro.IOScheduler {
	t.Helper()
	opts := coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}}
	if inline {
		opts.ExecutionStrategy = coro.TasksInline
	}
	s, err := coro.NewIOScheduler(opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMain(m *testing.M) { leakcheck.Main(m, 5*time.Second, nil) }

func fdCount(t *testing.T) int {
	t.Helper()
	n := leakcheck.FDs()
	require.Positive(t, n)
	return n
}

// checkNoLeaks runs fn and then waits until descriptors and handles are back where they started.
func checkNoLeaks(t *testing.T, fn func()) {
	t.Helper()
	fds, handles := fdCount(t), coro.LiveHandles()
	fn()
	require.Eventually(t, func() bool { return fdCount(t) <= fds && coro.LiveHandles() <= handles }, 5*time.Second,
		5*time.Millisecond, "fds %d -> %d, handles %d -> %d", fds, fdCount(t), handles, coro.LiveHandles())
}

func serve(t *testing.T, s *coro.IOScheduler, h server.Handler, opts *server.Options) *server.Server {
	t.Helper()
	srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", h, opts)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	return srv
}

func dial(t *testing.T, srv *server.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return c
}

func readN(t *testing.T, c net.Conn, n int) string {
	t.Helper()
	buf := make([]byte, n)
	_, err := io.ReadFull(c, buf)
	require.NoError(t, err)
	return string(buf)
}

func TestEcho(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			s := newScheduler(t, inline)
			checkNoLeaks(t, func() {
				srv := serve(t, s, server.Echo(), nil)
				var wg sync.WaitGroup
				for i := 0; i < 8; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						c, err := net.Dial("tcp", srv.Addr().String())
						if !assertNoErr(t, err) {
							return
						}
						defer c.Close()
						big := strings.Repeat(fmt.Sprintf("conn %d says hi;", i), 20000) // > socket buffers
						go c.Write([]byte(big))
						got := make([]byte, len(big))
						_, err = io.ReadFull(c, got)
						if assertNoErr(t, err) && string(got) != big {
							t.Errorf("echo mismatch on conn %d", i)
						}
					}()
				}
				wg.Wait()
				require.Eventually(t, func() bool { return srv.Stats().Active == 0 }, 5*time.Second, time.Millisecond)
				st := srv.Stats()
				require.EqualValues(t, 8, st.Accepted)
				require.Equal(t, st.BytesRead, st.BytesWritten)
				require.Greater(t, st.BytesRead, uint64(8*20000*10))
				require.NoError(t, srv.Close())
			})
		})
	}
}

func assertNoErr(t *testing.T, err error) bool {
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}

// httpChecks sends keep-alive, split and pipelined requests (one with a body) and checks every answer arrives.
func httpChecks(t *testing.T, srv *server.Server, response string) {
	c := dial(t, srv)
	defer c.Close()
	req := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	for i := 0; i < 3; i++ { // keep-alive
		_, err := c.Write([]byte(req))
		require.NoError(t, err)
		require.Equal(t, response, readN(t, c, len(response)))
	}
	for _, part := range []string{"GET / HT", "TP/1.1\r\nHo", "st: x\r\n\r", "\n"} { // split across reads
		_, err := c.Write([]byte(part))
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond)
	}
	require.Equal(t, response, readN(t, c, len(response)))
	post := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	_, err := c.Write([]byte(req + post + req + req)) // pipelined, one with a body
	require.NoError(t, err)
	require.Equal(t, strings.Repeat(response, 4), readN(t, c, 4*len(response)))

	// net/http's client (keep-alive pool).
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < 5; i++ {
		resp, err := client.Get("http://" + srv.Addr().String() + "/")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "Hello, World!", string(body))
	}
	client.CloseIdleConnections()
}

func TestHTTP200(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		srv := serve(t, s, server.HTTP200("Hello, World!"), nil)
		httpChecks(t, srv, hello)
		st := srv.Stats()
		require.EqualValues(t, 3+1+4+5, st.Requests)
		require.GreaterOrEqual(t, st.Accepted, uint64(2))
		require.Eventually(t, func() bool { // counted just after send returns, maybe after the client has read
			return srv.Stats().BytesWritten == st.Requests*uint64(len(hello))
		}, 5*time.Second, time.Millisecond)
		require.NoError(t, srv.Close())
	})
}

func TestCloseWithOpenConnections(t *testing.T) {
	for _, h := range []struct {
		name string
		h    server.Handler
	}{{"echo", server.Echo()}, {"http", server.HTTP200("x")}, {"func", server.Func(func(c *server.Conn, in []byte) (int, error) {
		c.Write(in)
		return len(in), nil
	})}} {
		t.Run(h.name, func(t *testing.T) {
			s := newScheduler(t, false)
			checkNoLeaks(t, func() {
				srv := serve(t, s, h.h, nil)
				var conns []net.Conn
				for i := 0; i < 20; i++ {
					c := dial(t, srv)
					conns = append(conns, c)
				}
				if h.name == "http" {
					_, err := conns[0].Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) // one mid-request
					require.NoError(t, err)
					readN(t, conns[0], len("HTTP/1.1 200 OK\r\n"))
				} else {
					_, err := conns[0].Write([]byte("ping"))
					require.NoError(t, err)
					require.Equal(t, "ping", readN(t, conns[0], 4))
				}
				require.Eventually(t, func() bool { return srv.Stats().Active == 20 }, 5*time.Second, time.Millisecond)
				require.NoError(t, srv.Close())
				<-srv.Done()
				for _, c := range conns { // every client sees the end of its connection
					_, err := io.ReadAll(c)
					require.NoError(t, err)
					c.Close()
				}
				require.Zero(t, srv.Stats().Active)
				require.NoError(t, srv.Close()) // second Close: no-op
				_, err := net.Dial("tcp", srv.Addr().String())
				require.Error(t, err)
			})
		})
	}
}

func TestSchedulerCloseFirst(t *testing.T) {
	checkNoLeaks(t, func() {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
		require.NoError(t, err)
		srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.Echo(), nil)
		require.NoError(t, err)
		c, err := net.Dial("tcp", srv.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Write([]byte("x"))
		require.NoError(t, err)
		done := make(chan struct{})
		go func() { s.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("IOScheduler.Close hung on a running server")
		}
		<-srv.Done()
		require.NoError(t, srv.Close())
		_, err = server.Serve(context.Background(), s, "127.0.0.1:0", server.Echo(), nil)
		require.ErrorIs(t, err, coro.ErrClosed)
	})
}

func TestManualThreadScheduler(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread, ExecutionStrategy: coro.TasksInline})
	require.NoError(t, err)
	defer s.Close()
	srv, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.Echo(), nil)
	require.NoError(t, err)
	stop := make(chan struct{})
	driven := make(chan struct{})
	go func() {
		defer close(driven)
		for {
			select {
			case <-stop:
				return
			default:
				s.ProcessEvents(5 * time.Millisecond)
			}
		}
	}()
	c := dial(t, srv)
	_, err = c.Write([]byte("manual"))
	require.NoError(t, err)
	require.Equal(t, "manual", readN(t, c, 6))
	close(stop)
	<-driven
	require.NoError(t, srv.Close()) // nobody drives the loop now: Close drives it itself
	_, err = io.ReadAll(c)
	require.NoError(t, err)
}

func TestContextCancel(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		ctx, cancel := context.WithCancel(context.Background())
		srv, err := server.Serve(ctx, s, "127.0.0.1:0", server.Echo(), nil)
		require.NoError(t, err)
		c := dial(t, srv)
		require.Eventually(t, func() bool { return srv.Stats().Active == 1 }, 5*time.Second, time.Millisecond)
		cancel()
		select {
		case <-srv.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("server still running after its context was cancelled")
		}
		_, err = io.ReadAll(c)
		require.NoError(t, err)
		c.Close()
		_, err = server.Serve(ctx, s, "127.0.0.1:0", server.Echo(), nil)
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestShutdown(t *testing.T) {
	s := newScheduler(t, true)
	srv := serve(t, s, server.Echo(), nil)
	c1 := dial(t, srv)
	require.Eventually(t, func() bool { return srv.Stats().Active == 1 }, 5*time.Second, time.Millisecond)
	go func() { time.Sleep(50 * time.Millisecond); c1.Close() }()
	require.NoError(t, srv.Shutdown(context.Background())) // waits for the client to leave
	require.EqualValues(t, 1, srv.Stats().Accepted)

	srv = serve(t, s, server.Echo(), nil)
	c := dial(t, srv)
	require.Eventually(t, func() bool { return srv.Stats().Active == 1 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, srv.Shutdown(ctx), context.DeadlineExceeded) // the client stays: forced
	_, err := io.ReadAll(c)
	require.NoError(t, err)
}

// Shutdown waits for an event from the C++ server (its last connection ended), not a poll: every concurrent
// Shutdown returns once the clients leave, one with no connection open returns at once, and no handle is left.
func TestShutdownConcurrent(t *testing.T) {
	s := newScheduler(t, false)
	checkNoLeaks(t, func() {
		srv := serve(t, s, server.Echo(), nil)
		c1, c2 := dial(t, srv), dial(t, srv)
		require.Eventually(t, func() bool { return srv.Stats().Active == 2 }, 5*time.Second, time.Millisecond)
		errs := make(chan error, 3)
		for range 3 {
			go func() { errs <- srv.Shutdown(context.Background()) }()
		}
		c1.Close()
		select {
		case err := <-errs:
			t.Fatalf("Shutdown returned %v with a connection open", err)
		case <-time.After(100 * time.Millisecond):
		}
		c2.Close()
		for range 3 {
			require.NoError(t, <-errs)
		}
		require.Zero(t, srv.Stats().Active)

		srv = serve(t, s, server.Echo(), nil)
		require.NoError(t, srv.Shutdown(context.Background()))
	})
}

func TestAddressErrors(t *testing.T) {
	s := newScheduler(t, true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()

	checkNoLeaks(t, func() {
		_, err = server.Serve(context.Background(), s, ln.Addr().String(), server.Echo(), nil)
		var op *net.OpError
		require.ErrorAs(t, err, &op)
		require.Equal(t, "listen", op.Op)
		require.Equal(t, ln.Addr().String(), op.Addr.String())
		require.ErrorIs(t, err, syscall.EADDRINUSE)
		require.Contains(t, err.Error(), "bind")

		for _, addr := range []string{"nonsense", "example.com:80", "127.0.0.1:99999", "1.2.3:80", ""} {
			_, err = server.Serve(context.Background(), s, addr, server.Echo(), nil)
			require.ErrorAs(t, err, &op, addr)
			require.Equal(t, "listen", op.Op)
		}
		_, err = server.Serve(context.Background(), s, "127.0.0.1:0", server.Native(nil, nil), nil)
		require.ErrorIs(t, err, coro.ErrInvalid)
	})
}

func TestReusePort(t *testing.T) {
	s1, s2 := newScheduler(t, true), newScheduler(t, true)
	a := serve(t, s1, server.HTTP200("a"), &server.Options{ReusePort: true})
	b, err := server.Serve(context.Background(), s2, a.Addr().String(), server.HTTP200("b"), &server.Options{ReusePort: true})
	require.NoError(t, err)
	defer b.Close()
	for i := 0; i < 40; i++ {
		c := dial(t, a)
		c.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
		r, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		r.Body.Close()
		c.Close()
	}
	require.EqualValues(t, 40, a.Stats().Requests+b.Stats().Requests)
}

// ---- mode 3 ----

// httpFunc is a fixed-response HTTP handler written in Go (the same framing as HTTP200).
func httpFunc(c *server.Conn, in []byte) (int, error) {
	consumed := 0
	for {
		n := requestLength(in[consumed:])
		if n == 0 {
			return consumed, nil
		}
		consumed += n
		c.WriteString(hello)
		c.AddRequests(1)
	}
}

func requestLength(in []byte) int {
	s := string(in) // no copy needed for correctness here; tests only
	end := strings.Index(s, "\r\n\r\n")
	if end < 0 {
		return 0
	}
	body := 0
	for _, line := range strings.Split(s[:end], "\r\n")[1:] {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "content-length") {
			fmt.Sscan(strings.TrimSpace(v), &body)
		}
	}
	if end+4+body > len(in) {
		return 0
	}
	return end + 4 + body
}

func TestFuncHTTP(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			s := newScheduler(t, inline)
			checkNoLeaks(t, func() {
				srv := serve(t, s, server.Func(httpFunc), nil)
				httpChecks(t, srv, hello)
				require.EqualValues(t, 13, srv.Stats().Requests)
				require.NoError(t, srv.Close())
			})
		})
	}
}

func TestFuncStateAndLargeReplies(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		// Line protocol: every complete line is answered with "<n> <line>" repeated 1000 times (a large reply).
		srv := serve(t, s, server.Func(func(c *server.Conn, in []byte) (int, error) {
			consumed := 0
			for {
				i := strings.IndexByte(string(in[consumed:]), '\n')
				if i < 0 {
					return consumed, nil
				}
				n, _ := c.Value.(int)
				n++
				c.Value = n
				line := string(in[consumed : consumed+i])
				consumed += i + 1
				if line == "quit" {
					c.WriteString("bye\n")
					c.Close()
					return consumed, nil
				}
				c.Write([]byte(strings.Repeat(fmt.Sprintf("%d %s\n", n, line), 1000)))
				c.AddRequests(1)
			}
		}), nil)
		c := dial(t, srv)
		r := bufio.NewReader(c)
		c.Write([]byte("alpha\nbe"))
		c.Write([]byte("ta\ngam"))
		for i := 0; i < 1000; i++ {
			l, err := r.ReadString('\n')
			require.NoError(t, err)
			require.Equal(t, "1 alpha\n", l)
		}
		for i := 0; i < 1000; i++ {
			l, err := r.ReadString('\n')
			require.NoError(t, err)
			require.Equal(t, "2 beta\n", l)
		}
		c.Write([]byte("ma\nquit\nignored\n"))
		for i := 0; i < 1000; i++ {
			l, _ := r.ReadString('\n')
			require.Equal(t, "3 gamma\n", l)
		}
		rest, err := io.ReadAll(r)
		require.NoError(t, err)
		require.Equal(t, "bye\n", string(rest))
		c.Close()
		require.EqualValues(t, 3, srv.Stats().Requests)
		require.NoError(t, srv.Close())
	})
}

func TestFuncPanic(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		errs := make(chan error, 10)
		srv := serve(t, s, server.Func(func(c *server.Conn, in []byte) (int, error) {
			switch string(in) {
			case "panic":
				panic("boom")
			case "error":
				return 0, errors.New("bad input")
			case "eof":
				return len(in), io.EOF
			}
			c.Write(in)
			return len(in), nil
		}), &server.Options{OnError: func(err error) { errs <- err }})

		for _, tc := range []string{"panic", "error", "eof"} {
			c := dial(t, srv)
			c.Write([]byte(tc))
			got, err := io.ReadAll(c) // closed by the server, nothing written
			require.NoError(t, err)
			require.Empty(t, got)
			c.Close()
		}
		var pe *coro.PanicError
		err := <-errs
		require.ErrorAs(t, err, &pe)
		require.Equal(t, "boom", pe.Value)
		var op *net.OpError
		require.ErrorAs(t, err, &op)
		require.Equal(t, "serve", op.Op)
		require.ErrorContains(t, <-errs, "bad input")
		require.Empty(t, errs) // io.EOF is a normal close

		c := dial(t, srv) // still serving
		c.Write([]byte("ok"))
		require.Equal(t, "ok", readN(t, c, 2))
		require.EqualValues(t, 2, srv.Stats().Errors)
		c.Close()
		require.NoError(t, srv.Close())
	})
}

func TestFuncMaxInput(t *testing.T) {
	s := newScheduler(t, true)
	srv := serve(t, s, server.Func(func(c *server.Conn, in []byte) (int, error) { return 0, nil }), &server.Options{MaxInput: 64 << 10})
	c := dial(t, srv)
	go c.Write(make([]byte, 1<<20))
	_, err := io.ReadAll(c) // closed once 64 KiB are buffered unconsumed
	if err != nil {
		require.ErrorIs(t, err, syscall.ECONNRESET)
	}
}

// A Func server (no OnOpen or OnClose) waits for a connection's first input with a small poll only: what happens
// before that input must behave as on an open connection. A silent connection ends at the idle timeout, input
// followed at once by a half-close is still answered, input after a pause is answered, and Close ends silent
// connections, on either kind of scheduler, leaking nothing.
func TestFuncBeforeFirstInput(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			s := newScheduler(t, inline)
			checkNoLeaks(t, func() {
				srv := serve(t, s, server.Func(func(c *server.Conn, in []byte) (int, error) {
					c.Write(in)
					return len(in), nil
				}), &server.Options{IdleTimeout: 300 * time.Millisecond})
				silent := dial(t, srv)
				start := time.Now()
				got, err := io.ReadAll(silent)
				require.NoError(t, err)
				require.Empty(t, got)
				require.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond)

				halfClosed := dial(t, srv)
				halfClosed.Write([]byte("bye"))
				require.NoError(t, halfClosed.(*net.TCPConn).CloseWrite())
				got, err = io.ReadAll(halfClosed)
				require.NoError(t, err)
				require.Equal(t, "bye", string(got))

				late := dial(t, srv)
				time.Sleep(100 * time.Millisecond)
				late.Write([]byte("late"))
				require.Equal(t, "late", readN(t, late, 4))

				fresh := dial(t, srv) // never sends: Close ends it
				require.Eventually(t, func() bool { return srv.Stats().Accepted == 4 }, 5*time.Second, time.Millisecond)
				require.NoError(t, srv.Close())
				for _, c := range []net.Conn{late, fresh} {
					_, err = io.ReadAll(c)
					require.NoError(t, err)
				}
				for _, c := range []net.Conn{silent, halfClosed, late, fresh} {
					c.Close()
				}
				require.Zero(t, srv.Stats().Active)
			})
		})
	}
}

// Close and Shutdown called from inside the server's own Func callback do not wait for that callback (which would
// never return): they stop the server in the background, and the client sees its connection end.
func TestFuncStopsServerFromCallback(t *testing.T) {
	for _, how := range []string{"close", "shutdown"} {
		for _, inline := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/inline=%v", how, inline), func(t *testing.T) {
				s := newScheduler(t, inline)
				checkNoLeaks(t, func() {
					var srv atomic.Pointer[server.Server]
					stopped := make(chan error, 1)
					h := server.Func(func(c *server.Conn, in []byte) (int, error) {
						if string(in) != "stop" {
							c.Write(in)
							return len(in), nil
						}
						var err error
						if how == "close" {
							err = srv.Load().Close()
						} else {
							ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
							defer cancel()
							err = srv.Load().Shutdown(ctx)
						}
						stopped <- err
						return len(in), nil
					})
					srv.Store(serve(t, s, h, nil))
					c := dial(t, srv.Load())
					_, err := c.Write([]byte("ping"))
					require.NoError(t, err)
					require.Equal(t, "ping", readN(t, c, 4))
					_, err = c.Write([]byte("stop"))
					require.NoError(t, err)
					require.NoError(t, <-stopped, "returned at once, without an error")
					select {
					case <-srv.Load().Done():
					case <-time.After(10 * time.Second):
						t.Fatal("the server did not stop")
					}
					_, err = io.ReadAll(c) // the connection was shut down
					if err != nil {
						require.ErrorIs(t, err, syscall.ECONNRESET)
					}
					c.Close()
					require.NoError(t, srv.Load().Close(), "a later Close from outside is harmless")
				})
			})
		}
	}
}

// A panic inside Options.OnError must not kill the process: it is logged instead and the server keeps serving.
func TestOnErrorPanic(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		calls := make(chan struct{}, 10)
		srv := serve(t, s, server.Func(func(c *server.Conn, in []byte) (int, error) {
			switch string(in) {
			case "panic":
				panic("boom")
			case "error":
				return 0, errors.New("bad input")
			}
			c.Write(in)
			return len(in), nil
		}), &server.Options{OnError: func(err error) {
			calls <- struct{}{}
			panic("OnError panics too")
		}})
		for _, tc := range []string{"panic", "error"} {
			c := dial(t, srv)
			c.Write([]byte(tc))
			got, err := io.ReadAll(c)
			require.NoError(t, err)
			require.Empty(t, got)
			c.Close()
			<-calls
		}
		c := dial(t, srv) // still serving
		c.Write([]byte("ok"))
		require.Equal(t, "ok", readN(t, c, 2))
		c.Close()
		require.NoError(t, srv.Close())
	})
}

// Func(nil) (or a Native handler built on the Func table without its function) is refused by Serve, naming the
// argument, instead of crashing at the first connection.
func TestServeNilFunc(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		_, err := server.Serve(context.Background(), s, "127.0.0.1:0", server.Func(nil), nil)
		require.ErrorIs(t, err, coro.ErrInvalid)
		require.ErrorContains(t, err, "MessageFunc")
		_, err = server.Serve(context.Background(), s, "127.0.0.1:0", server.Handler{}, nil)
		require.ErrorIs(t, err, coro.ErrInvalid)
		require.ErrorContains(t, err, "Handler")
	})
}

// A zero Server (not made by Serve) reports an error instead of crashing in C or blocking.
func TestZeroServer(t *testing.T) {
	var srv server.Server
	require.ErrorIs(t, srv.Close(), coro.ErrInvalid)
	require.ErrorIs(t, srv.Shutdown(context.Background()), coro.ErrInvalid)
	require.Equal(t, server.Stats{}, srv.Stats())
	require.Nil(t, srv.Addr())
	select {
	case <-srv.Done():
	case <-time.After(time.Second):
		t.Fatal("Done of a zero Server never closes")
	}
}

// The methods that call into the C++ server (Stats, Conns, Dial, Shutdown) may race Close from other goroutines:
// each holds a reference around its C call, and the server is freed after the last one (run with -race). Stats
// after Close reports the final counters, and nothing leaks.
func TestMethodsRaceClose(t *testing.T) {
	s := newScheduler(t, true)
	ctx := context.Background()
	checkNoLeaks(t, func() {
		for range 20 {
			srv, err := server.Serve(ctx, s, "127.0.0.1:0", server.Func(echoData), nil)
			require.NoError(t, err)
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-srv.Done():
							return
						default:
						}
						switch g {
						case 0:
							srv.Stats()
						case 1:
							srv.Conns()
						case 2:
							if c, err := srv.Dial(ctx, srv.Addr().String()); err == nil {
								c.Close()
							}
						case 3:
							if i == 20 {
								sctx, cancel := context.WithTimeout(ctx, time.Millisecond)
								srv.Shutdown(sctx)
								cancel()
							}
						}
					}
				}()
			}
			time.Sleep(2 * time.Millisecond)
			require.NoError(t, srv.Close())
			wg.Wait()
			st := srv.Stats()
			require.Zero(t, st.Active)
			require.Equal(t, st, srv.Stats())
		}
	})
}
