package adversarial

import (
	"context"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/dns"
	"github.com/gocoro/gocoro/net/server"
	"github.com/gocoro/gocoro/net/tcp"
	"github.com/gocoro/gocoro/net/tls"
	"github.com/gocoro/gocoro/net/udp"
)

// Create/close churn of every kind of object (executors, primitives, servers, TLS, UDP, resolvers): afterwards the thread count, the descriptors, the live coro
// handles and the RSS are back near where they started.
func TestChurnCounts(t *testing.T) {
	runtime.GC()
	threads0, fds0, handles0 := procStatus(t, "Threads"), leakcheck.FDs(), coro.LiveHandles()
	rss0 := procStatus(t, "VmRSS")
	ctx := context.Background()
	cycles := scale(300)
	for i := range cycles {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
		require.NoError(t, err)
		_, err = coro.Schedule(ctx, tp, func(context.Context) (int, error) { return 0, nil })
		require.NoError(t, err)
		m := coro.NewMutex()
		require.NoError(t, m.Lock(ctx))
		require.NoError(t, m.Unlock())
		sm, err := coro.NewSharedMutex(tp)
		require.NoError(t, err)
		require.NoError(t, sm.LockShared(ctx))
		require.NoError(t, sm.UnlockShared())
		sem, err := coro.NewSemaphore(1, 1)
		require.NoError(t, err)
		require.NoError(t, sem.Acquire(ctx))
		l := coro.NewLatch(1)
		require.NoError(t, l.CountDown(1))
		e := coro.NewEvent(true)
		require.NoError(t, e.Wait(ctx))
		rb, err := coro.NewRingBuffer[int](2)
		require.NoError(t, err)
		require.NoError(t, rb.Produce(ctx, i))
		q := coro.NewQueue[int]()
		require.NoError(t, q.Push(i))
		_, err = q.Pop(ctx)
		require.NoError(t, err)
		cv, cvm := coro.NewConditionVariable(), coro.NewMutex()
		var ready atomic.Bool
		woke := make(chan error, 1)
		go func() {
			if err := cvm.Lock(ctx); err != nil {
				woke <- err
				return
			}
			_, err := cv.WaitPred(ctx, cvm, ready.Load)
			woke <- unlockAfter(cvm, err)
		}()
		ready.Store(true)
		for waiting := true; waiting; {
			cv.NotifyAll()
			select {
			case err := <-woke:
				require.NoError(t, err)
				waiting = false
			case <-time.After(time.Millisecond):
			}
		}
		g, err := coro.NewTaskGroup(tp)
		require.NoError(t, err)
		require.NoError(t, g.Go(func() {}))
		require.NoError(t, g.Start(coro.NewFunc(func() (int, error) { return 0, nil })))
		require.NoError(t, g.Wait(ctx))
		for _, c := range []interface{ Close() error }{m, sm, sem, l, e, rb, q, cv, cvm, g} {
			require.NoError(t, c.Close())
		}
		require.NoError(t, tp.Close())
	}
	for range scale(50) {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		ln, err := tcp.Listen(ctx, s, "127.0.0.1:0")
		require.NoError(t, err)
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
		require.NoError(t, err)
		sc, err := ln.Accept()
		require.NoError(t, err)
		_, err = c.Write([]byte("x"))
		require.NoError(t, err)
		_, err = sc.Read(make([]byte, 1))
		require.NoError(t, err)
		c.Close()
		sc.Close()
		ln.Close()
		require.NoError(t, s.Close())
	}
	netCycles := scale(100)
	cert, key := selfSigned(t, t.TempDir())
	for range netCycles {
		churnNet(t, cert, key)
	}
	runtime.GC()
	ok := eventually(15*time.Second, func() bool {
		return procStatus(t, "Threads") <= threads0+8 && leakcheck.FDs() <= fds0 && coro.LiveHandles() <= handles0
	})
	threads, fds, handles, rss := procStatus(t, "Threads"), leakcheck.FDs(), coro.LiveHandles(), procStatus(t, "VmRSS")
	t.Logf("after %d pool+primitive cycles, %d scheduler+tcp cycles and %d net cycles: threads %d->%d, fds %d->%d, "+
		"handles %d->%d, RSS %d->%d kB", cycles, scale(50), netCycles, threads0, threads, fds0, fds, handles0, handles, rss0, rss)
	assert.True(t, ok, "counts did not come back")
	assert.Less(t, rss-rss0, churnRSSBound>>10, "RSS grew by more than %d MiB", churnRSSBound>>20)
}

// churnNet makes, uses and closes one of each net object: a server.Listen echo server (its own loop), and on a
// fresh IOScheduler a TLS connection (both ends net/tls, new contexts), a UDP peer and a DNS resolver.
func churnNet(t *testing.T, cert, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := server.Listen(ctx, "127.0.0.1:0", server.Echo(), nil)
	require.NoError(t, err)
	echoRoundTrip(t, srv.Addr().String(), []byte("churn"), true)
	require.NoError(t, srv.Close())
	select {
	case <-srv.Done():
	case <-ctx.Done():
		t.Fatal("a Listen server did not stop after Close")
	}

	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	serverCtx, err := tls.NewContext(tls.Config{CertFile: cert, KeyFile: key})
	require.NoError(t, err)
	clientCtx, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
	require.NoError(t, err)
	ln, err := tls.Listen(ctx, s, "127.0.0.1:0", serverCtx)
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() {
		c, err := ln.AcceptContext(ctx)
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		b := make([]byte, 1)
		if _, err = io.ReadFull(c, b); err == nil {
			_, err = c.Write(b)
		}
		served <- err
	}()
	c, err := tls.Dial(ctx, s, ln.Addr().String(), clientCtx)
	require.NoError(t, err)
	_, err = c.Write([]byte("x"))
	require.NoError(t, err)
	_, err = io.ReadFull(c, make([]byte, 1))
	require.NoError(t, err)
	require.NoError(t, <-served)
	require.NoError(t, c.Close())
	require.NoError(t, ln.Close())

	p, err := udp.Listen(ctx, s, "127.0.0.1:0")
	require.NoError(t, err)
	_, err = p.WriteToUDPAddrPort([]byte("x"), p.LocalAddr().(*net.UDPAddr).AddrPort())
	require.NoError(t, err)
	_, _, err = p.ReadFromContext(ctx, make([]byte, 8))
	require.NoError(t, err)
	require.NoError(t, p.Close())

	r, err := dns.NewResolver(s, 5*time.Second)
	require.NoError(t, err)
	_, err = r.LookupHost(ctx, lookupName)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, s.Close())
}
