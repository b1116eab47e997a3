package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
	"github.com/stretchr/testify/require"
)

// closeLog collects OnClose's errors, one per connection.
type closeLog struct{ ch chan error }

func newCloseLog() *closeLog { return &closeLog{ch: make(chan error, 64)} }

func (l *closeLog) onClose(_ *server.Conn, err error) { l.ch <- err }

func (l *closeLog) next(t *testing.T) error {
	t.Helper()
	select {
	case err := <-l.ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose")
		return nil
	}
}

// clients dials like dial and closes every connection it made at closeAll (inside checkNoLeaks, unlike
// t.Cleanup).
func clients(t *testing.T) (dial func(*server.Server) net.Conn, closeAll func()) {
	var opened []net.Conn
	return func(srv *server.Server) net.Conn {
			c, err := net.Dial("tcp", srv.Addr().String())
			require.NoError(t, err)
			require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
			opened = append(opened, c)
			return c
		}, func() {
			for _, c := range opened {
				c.Close()
			}
		}
}

func echoData(c *server.Conn, in []byte) (int, error) {
	c.Write(in)
	return len(in), nil
}

func TestEventsLifecycle(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			s := newScheduler(t, inline)
			checkNoLeaks(t, func() {
				dial, closeAll := clients(t)
				defer closeAll()
				var order []string
				var mu sync.Mutex
				note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
				closes := newCloseLog()
				var addrs [2]string
				srv := serve(t, s, server.Callbacks(server.Events{
					OnBoot:     func(*server.Server) { note("boot") },
					OnShutdown: func(*server.Server) { note("shutdown") },
					OnOpen: func(c *server.Conn) error {
						note("open")
						c.Value = 0
						mu.Lock()
						addrs = [2]string{c.LocalAddr().String(), c.RemoteAddr().String()}
						mu.Unlock()
						_, err := c.WriteString("hi\n")
						return err
					},
					OnData: func(c *server.Conn, in []byte) (int, error) {
						c.Value = c.Value.(int) + len(in)
						c.Writev([][]byte{[]byte("<"), in, []byte(">")})
						return len(in), nil
					},
					OnClose: func(c *server.Conn, err error) {
						note(fmt.Sprintf("close %d", c.Value))
						closes.onClose(c, err)
					},
				}), nil)
				c := dial(srv)
				require.Equal(t, "hi\n", readN(t, c, 3))
				mu.Lock()
				require.Equal(t, srv.Addr().String(), addrs[0])
				require.Equal(t, c.LocalAddr().String(), addrs[1])
				mu.Unlock()
				c.Write([]byte("abc"))
				require.Equal(t, "<abc>", readN(t, c, 5))
				require.Equal(t, 1, srv.Conns())
				c.Close()
				require.NoError(t, closes.next(t)) // the peer closed: a normal end
				require.NoError(t, srv.Close())
				mu.Lock()
				defer mu.Unlock()
				require.Equal(t, []string{"boot", "open", "close 3", "shutdown"}, order)
			})
		})
	}
}

// AsyncWrite, Wake and Close from other goroutines reach the loop; after the end they fail with ErrClosed.
func TestEventsAsync(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(fmt.Sprintf("inline=%v", inline), func(t *testing.T) {
			s := newScheduler(t, inline)
			checkNoLeaks(t, func() {
				dial, closeAll := clients(t)
				defer closeAll()
				conns := make(chan *server.Conn, 1)
				woken := make(chan int, 10)
				closes := newCloseLog()
				srv := serve(t, s, server.Callbacks(server.Events{
					OnOpen: func(c *server.Conn) error { conns <- c; return nil },
					OnData: func(c *server.Conn, in []byte) (int, error) {
						if len(in) == 0 { // a Wake
							woken <- 1
							c.WriteString("woken\n")
						}
						return len(in), nil
					},
					OnClose: closes.onClose,
				}), nil)
				c := dial(srv)
				sc := <-conns
				const n = 200
				var want bytes.Buffer
				var wg sync.WaitGroup
				for g := 0; g < 4; g++ { // concurrent writers: each one's messages stay in order
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; i < n; i++ {
							if err := sc.AsyncWrite([]byte(fmt.Sprintf("g%d:%04d;", g, i))); err != nil {
								t.Error(err)
								return
							}
						}
					}()
					for i := 0; i < n; i++ {
						want.WriteString(fmt.Sprintf("g%d:%04d;", g, i))
					}
				}
				wg.Wait()
				got := readN(t, c, want.Len())
				for g := 0; g < 4; g++ {
					var seq []string
					for _, m := range strings.Split(got, ";") {
						if strings.HasPrefix(m, fmt.Sprintf("g%d:", g)) {
							seq = append(seq, m)
						}
					}
					require.Len(t, seq, n)
					for i, m := range seq {
						require.Equal(t, fmt.Sprintf("g%d:%04d", g, i), m)
					}
				}
				require.NoError(t, sc.AsyncWritev([][]byte{[]byte("a"), []byte("b"), []byte("\n")}))
				require.Equal(t, "ab\n", readN(t, c, 3))
				require.NoError(t, sc.Wake())
				<-woken
				require.Equal(t, "woken\n", readN(t, c, 6))
				require.NoError(t, sc.AsyncWrite([]byte("last\n")))
				require.NoError(t, sc.Close())
				rest, err := io.ReadAll(c) // what was queued before Close is sent, then EOF
				require.NoError(t, err)
				require.Equal(t, "last\n", string(rest))
				require.NoError(t, closes.next(t))
				require.ErrorIs(t, sc.AsyncWrite([]byte("x")), server.ErrClosed)
				require.ErrorIs(t, sc.Wake(), server.ErrClosed)
				require.ErrorIs(t, sc.Close(), server.ErrClosed)
				require.Zero(t, sc.OutboundBuffered())
				require.NoError(t, srv.Close())
			})
		})
	}
}

// AsyncWrite racing the connection's end (peer close, server Close) never crashes: it succeeds or says ErrClosed.
func TestEventsAsyncWriteRacesClose(t *testing.T) {
	s := newScheduler(t, false)
	checkNoLeaks(t, func() {
		conns := make(chan *server.Conn, 64)
		srv := serve(t, s, server.Callbacks(server.Events{
			OnOpen: func(c *server.Conn) error { conns <- c; return nil },
			OnData: echoData,
		}), nil)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			c, err := net.Dial("tcp", srv.Addr().String())
			require.NoError(t, err)
			sc := <-conns
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if err := sc.AsyncWrite([]byte("spam")); err != nil {
						if !errors.Is(err, server.ErrClosed) && !errors.Is(err, server.ErrOutputFull) {
							t.Error(err)
						}
						if errors.Is(err, server.ErrClosed) {
							return
						}
					}
					sc.Wake()
				}
			}()
			time.Sleep(time.Millisecond)
			if i%2 == 0 {
				c.Close()
			} else {
				sc.Close()
				c.Close()
			}
		}
		wg.Wait()
		require.NoError(t, srv.Close())
	})
}

func TestEventsTimeouts(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		closes := newCloseLog()
		srv := serve(t, s, server.Callbacks(server.Events{
			OnData: func(c *server.Conn, in []byte) (int, error) {
				i := bytes.IndexByte(in, '\n')
				if i < 0 {
					return 0, nil // incomplete line
				}
				if string(in[:i]) == "flood" {
					c.Write(make([]byte, 8<<20)) // more than the socket buffers take
				} else {
					c.Write(in[:i+1])
				}
				return i + 1, nil
			},
			OnClose: closes.onClose,
		}), &server.Options{IdleTimeout: 300 * time.Millisecond, ReadTimeout: 150 * time.Millisecond,
			WriteTimeout: 150 * time.Millisecond})

		// Idle: a line answered, then silence.
		c := dial(srv)
		start := time.Now()
		c.Write([]byte("x\n"))
		require.Equal(t, "x\n", readN(t, c, 2))
		_, err := io.ReadAll(c)
		require.NoError(t, err)
		err = closes.next(t)
		require.ErrorIs(t, err, server.ErrIdleTimeout)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		require.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond)

		// Read: a line that never ends, trickled in faster than the idle timeout.
		c = dial(srv)
		for i := 0; i < 10; i++ {
			if _, err := c.Write([]byte("y")); err != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		require.ErrorIs(t, closes.next(t), server.ErrReadTimeout)

		// Write: a client that never reads a large reply.
		c = dial(srv)
		c.(*net.TCPConn).SetReadBuffer(4096)
		c.Write([]byte("flood\n"))
		require.ErrorIs(t, closes.next(t), server.ErrWriteTimeout)
		require.NoError(t, srv.Close())
	})
}

// A client that writes and never reads: the echo server stops reading once its output is above HighWater, so
// its memory stays bounded (the client's writes block); when the client reads, OnDrained runs and echo resumes.
func TestEventsBackPressure(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		const hw = 256 << 10
		conns := make(chan *server.Conn, 1)
		var drained, maxOut atomic.Int64
		srv := serve(t, s, server.Callbacks(server.Events{
			OnOpen: func(c *server.Conn) error { conns <- c; return nil },
			OnData: func(c *server.Conn, in []byte) (int, error) {
				if o := int64(c.OutboundBuffered()); o > maxOut.Load() {
					maxOut.Store(o)
				}
				return echoData(c, in)
			},
			OnDrained: func(c *server.Conn) error { drained.Add(1); return nil },
		}), &server.Options{HighWater: hw, MaxOutput: 2 * hw})
		c := dial(srv)
		sc := <-conns
		const total = 64 << 20
		wrote := make(chan int64, 1)
		go func() { // blocks once the server stops reading
			var n int64
			chunk := make([]byte, 64<<10)
			for n < total {
				m, err := c.Write(chunk)
				n += int64(m)
				if err != nil {
					break
				}
			}
			wrote <- n
		}()
		// The server's reading stalls well below what the client wants to send.
		var last uint64
		require.Eventually(t, func() bool {
			r := srv.Stats().BytesRead
			stalled := r > hw && r == last
			last = r
			return stalled
		}, 10*time.Second, 200*time.Millisecond)
		require.Less(t, srv.Stats().BytesRead, uint64(total/2))
		// Queued output is bounded by the high-water mark plus one read's reply.
		require.LessOrEqual(t, sc.OutboundBuffered(), hw+(1<<20))
		require.ErrorIs(t, sc.AsyncWrite(make([]byte, 2*hw)), server.ErrOutputFull)
		require.Zero(t, drained.Load())

		// Now read everything: echo resumes and completes.
		var got int64
		buf := make([]byte, 256<<10)
		for got < total {
			n, err := c.Read(buf)
			require.NoError(t, err)
			got += int64(n)
		}
		require.EqualValues(t, total, <-wrote)
		require.Positive(t, drained.Load())
		require.LessOrEqual(t, maxOut.Load(), int64(hw+(1<<20)))
		require.NoError(t, srv.Close())
	})
}

// Output queued above HighWater is always followed by OnDrained once it has been sent, however the peer reads:
// here each client is already reading when the reply is written, so the loop's first flush after the reply can
// send all that the reply queued. OnDrained used to run only if output was still above the mark after a flush
// (seen as a hung TestGoexitInCallbackIsFatal/*/OnDrained on a loaded machine). A reply the socket takes whole is
// never queued and brings no OnDrained, so a watcher notes which connections did queue more than HighWater.
func TestEventsDrainedAfterQueuedOutput(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(map[bool]string{true: "inline", false: "pool"}[inline], func(t *testing.T) {
			s := newScheduler(t, inline)
			checkNoLeaks(t, func() {
				dial, closeAll := clients(t)
				defer closeAll()
				const hw, reply, conns = 64 << 10, 16 << 20, 8
				opened := make(chan *server.Conn, conns)
				var drained [conns]atomic.Int32
				next := 0 // OnOpen runs on the loop: one at a time
				srv := serve(t, s, server.Callbacks(server.Events{
					OnOpen: func(c *server.Conn) error { c.Value = next; next++; opened <- c; return nil },
					OnData: func(c *server.Conn, in []byte) (int, error) {
						time.Sleep(20 * time.Millisecond) // the client is reading by now
						_, err := c.Write(make([]byte, reply))
						return len(in), err
					},
					OnDrained: func(c *server.Conn) error { drained[c.Value.(int)].Add(1); return nil },
				}), &server.Options{HighWater: hw})
				var wg sync.WaitGroup
				var queued [conns]atomic.Bool
				for i := 0; i < conns; i++ {
					c := dial(srv)
					sc := <-opened
					read := make(chan struct{})
					wg.Add(2)
					go func() {
						defer wg.Done()
						defer close(read)
						if _, err := c.Write([]byte("x")); err != nil {
							t.Error(err)
						} else if _, err = io.ReadFull(c, make([]byte, reply)); err != nil {
							t.Error(err)
						}
					}()
					go func() {
						defer wg.Done()
						for {
							select {
							case <-read:
								return
							default:
							}
							if sc.OutboundBuffered() > hw {
								queued[i].Store(true)
							}
							time.Sleep(20 * time.Microsecond)
						}
					}()
				}
				wg.Wait()
				seen := 0
				for i := range conns {
					if queued[i].Load() {
						seen++
						require.Eventually(t, func() bool { return drained[i].Load() == 1 }, 10*time.Second,
							time.Millisecond, "connection %d queued output above HighWater and had no OnDrained", i)
					}
				}
				t.Logf("%d of %d connections queued output above HighWater", seen, conns)
				require.NoError(t, srv.Close())
			})
		})
	}
}

func TestEventsMaxConns(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		errs := make(chan error, 10)
		srv := serve(t, s, server.Func(echoData), &server.Options{MaxConns: 2, OnError: func(err error) { errs <- err }})
		a, b := dial(srv), dial(srv)
		for _, c := range []net.Conn{a, b} {
			c.Write([]byte("ok"))
			require.Equal(t, "ok", readN(t, c, 2))
		}
		c := dial(srv)
		got, err := io.ReadAll(c) // closed at once
		if err == nil {
			require.Empty(t, got)
		}
		err = <-errs
		require.ErrorIs(t, err, server.ErrTooManyConns)
		var op *net.OpError
		require.ErrorAs(t, err, &op)
		require.Equal(t, "accept", op.Op)
		require.EqualValues(t, 1, srv.Stats().Refused)
		a.Close()
		require.Eventually(t, func() bool { return srv.Conns() == 1 }, 5*time.Second, time.Millisecond)
		c = dial(srv) // room again
		c.Write([]byte("again"))
		require.Equal(t, "again", readN(t, c, 5))
		require.NoError(t, srv.Close())
	})
}

func TestEventsTick(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		var ticks atomic.Int32
		stopped := make(chan struct{})
		srv := serve(t, s, server.Callbacks(server.Events{
			OnData: echoData,
			OnTick: func() time.Duration {
				if ticks.Add(1) == 3 {
					close(stopped)
					return -1
				}
				return 10 * time.Millisecond
			},
		}), nil)
		<-stopped
		time.Sleep(50 * time.Millisecond)
		require.EqualValues(t, 3, ticks.Load())
		require.NoError(t, srv.Close())

		// A ticker that never stops does not hold up Close; one that panics is reported and stops.
		errs := make(chan error, 1)
		srv = serve(t, s, server.Callbacks(server.Events{
			OnData: echoData,
			OnTick: func() time.Duration { panic("tock") },
		}), &server.Options{OnError: func(err error) { errs <- err }})
		var pe *coro.PanicError
		require.ErrorAs(t, <-errs, &pe)
		require.NoError(t, srv.Close())
		srv = serve(t, s, server.Callbacks(server.Events{OnData: echoData, OnTick: func() time.Duration { return time.Hour }}), nil)
		done := make(chan struct{})
		go func() { srv.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Close waits for the ticker's interval")
		}
	})
}

func TestEventsOpenRefuses(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		closes := newCloseLog()
		srv := serve(t, s, server.Callbacks(server.Events{
			OnOpen:  func(c *server.Conn) error { c.WriteString("busy\n"); return io.EOF },
			OnData:  echoData,
			OnClose: closes.onClose,
		}), nil)
		c := dial(srv)
		got, err := io.ReadAll(c)
		require.NoError(t, err)
		require.Equal(t, "busy\n", string(got))
		require.NoError(t, closes.next(t))
		require.NoError(t, srv.Close())
	})
}

func TestEventsServerCloseReason(t *testing.T) {
	s := newScheduler(t, true)
	closes := newCloseLog()
	srv := serve(t, s, server.Callbacks(server.Events{OnData: echoData, OnClose: closes.onClose}), nil)
	c := dial(t, srv)
	c.Write([]byte("x"))
	readN(t, c, 1)
	require.NoError(t, srv.Close())
	require.ErrorIs(t, closes.next(t), server.ErrServerClosed)
}

// A client connection dialled into a server's loop talks to another server through the same callbacks.
func TestEventsDial(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		echo := serve(t, s, server.Func(echoData), nil)
		got := make(chan string, 4)
		opened := make(chan uint64, 1)
		closes := newCloseLog()
		client := serve(t, s, server.Callbacks(server.Events{
			OnOpen: func(c *server.Conn) error { opened <- c.ID(); return nil },
			OnData: func(c *server.Conn, in []byte) (int, error) {
				got <- string(in)
				return len(in), nil
			},
			OnClose: closes.onClose,
		}), nil)
		c, err := client.Dial(context.Background(), echo.Addr().String())
		require.NoError(t, err)
		require.Equal(t, c.ID(), <-opened)
		require.Equal(t, echo.Addr().String(), c.RemoteAddr().String())
		require.NoError(t, c.AsyncWrite([]byte("ping")))
		require.Equal(t, "ping", <-got)
		require.EqualValues(t, 0, client.Stats().Accepted)
		require.Equal(t, 1, client.Conns())
		require.NoError(t, c.Close())
		require.NoError(t, closes.next(t))

		_, err = client.Dial(context.Background(), "127.0.0.1:1") // nothing listens there
		require.Error(t, err)
		_, err = echo.Dial(context.Background(), client.Addr().String()) // a native-less Func server may dial too
		require.NoError(t, err)
		hosted := serve(t, s, server.Echo(), nil)
		_, err = hosted.Dial(context.Background(), echo.Addr().String())
		require.Error(t, err) // no Go callbacks to serve it with
		require.NoError(t, hosted.Close())
		require.NoError(t, client.Close())
		require.NoError(t, echo.Close())
	})
}

// Options.OnError runs on the loop's thread: a Close it calls starts the stop and returns (it used to wait for the
// loop's own thread, which never finished).
func TestCloseFromOnError(t *testing.T) {
	s := newScheduler(t, true)
	checkNoLeaks(t, func() {
		dial, closeAll := clients(t)
		defer closeAll()
		var srv *server.Server
		closed := make(chan error, 1)
		ready := make(chan struct{})
		srv = serve(t, s, server.Func(echoData), &server.Options{MaxConns: 1, OnError: func(err error) {
			<-ready
			closed <- srv.Close()
		}})
		close(ready)
		a := dial(srv)
		a.Write([]byte("ok"))
		require.Equal(t, "ok", readN(t, a, 2))
		dial(srv) // refused: OnError closes the server
		select {
		case err := <-closed:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Close called from OnError did not return")
		}
		select {
		case <-srv.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("server still running after Close from OnError")
		}
	})
}
