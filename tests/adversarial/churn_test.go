package adversarial

import (
	"context"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/tcp"
)

// Create/close churn of every kind of object: afterwards the thread count, the descriptors, the live coro
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
		for _, c := range []interface{ Close() error }{m, sm, sem, l, e, rb} {
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
	runtime.GC()
	ok := eventually(15*time.Second, func() bool {
		return procStatus(t, "Threads") <= threads0+8 && leakcheck.FDs() <= fds0 && coro.LiveHandles() <= handles0
	})
	threads, fds, handles, rss := procStatus(t, "Threads"), leakcheck.FDs(), coro.LiveHandles(), procStatus(t, "VmRSS")
	t.Logf("after %d pool cycles and %d scheduler+tcp cycles: threads %d->%d, fds %d->%d, handles %d->%d, RSS %d->%d kB",
		cycles, scale(50), threads0, threads, fds0, fds, handles0, handles, rss0, rss)
	assert.True(t, ok, "counts did not come back")
	assert.Less(t, rss-rss0, 200<<10, "RSS grew by more than 200 MiB")
}
