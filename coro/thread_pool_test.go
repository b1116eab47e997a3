package coro_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func newPool(t *testing.T, opts coro.ThreadPoolOptions) *coro.ThreadPool {
	t.Helper()
	tp, err := coro.NewThreadPool(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, tp.Close())
		// Completions travel through the completion goroutine, so the last release can trail Close a little.
		require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond,
			"every handle is released after Close")
	})
	return tp
}

func TestScheduleRunsOnPoolThread(t *testing.T) {
	var started sync.Map
	tp := newPool(t, coro.ThreadPoolOptions{
		ThreadCount:   2,
		OnThreadStart: func(i int) { started.Store(i, true) },
	})
	require.Equal(t, 2, tp.ThreadCount())
	got, err := coro.Schedule(context.Background(), tp, func(context.Context) (string, error) {
		return "hello", nil
	})
	require.NoError(t, err)
	require.Equal(t, "hello", got)
	require.Eventually(t, func() bool {
		_, ok0 := started.Load(0)
		_, ok1 := started.Load(1)
		return ok0 && ok1
	}, 5*time.Second, time.Millisecond, "OnThreadStart ran for every worker")
}

func TestScheduleReturnsError(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	sentinel := errors.New("boom")
	_, err := coro.Schedule(context.Background(), tp, func(context.Context) (int, error) { return 0, sentinel })
	require.ErrorIs(t, err, sentinel)
}

func TestSchedulePanicBecomesError(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	_, err := coro.Schedule(context.Background(), tp, func(context.Context) (int, error) { panic("kaboom") })
	var pe *coro.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "kaboom", pe.Value)
	// The worker thread survived the panic.
	v, err := coro.Schedule(context.Background(), tp, func(context.Context) (int, error) { return 7, nil })
	require.NoError(t, err)
	require.Equal(t, 7, v)
}

func TestScheduleCancelledBeforeStart(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	// Occupy the only worker so the next job stays queued.
	release := make(chan struct{})
	require.NoError(t, tp.Spawn(func() { <-release }))

	ctx, cancel := context.WithCancel(context.Background())
	ran := atomic.Bool{}
	done := make(chan error, 1)
	go func() {
		_, err := coro.Schedule(ctx, tp, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	close(release)
	// Drain the pool: the cancelled job is skipped but its handle is still released.
	_, err := coro.Schedule(context.Background(), tp, func(context.Context) (int, error) { return 0, nil })
	require.NoError(t, err)
	require.False(t, ran.Load())
}

func TestScheduleAlreadyCancelled(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := coro.Schedule(ctx, tp, func(context.Context) (int, error) { return 1, nil })
	require.ErrorIs(t, err, context.Canceled)
}

func TestCloseDrainsQueuedWork(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	var count atomic.Int64
	for i := 0; i < 1000; i++ {
		require.NoError(t, tp.Spawn(func() { count.Add(1) }))
	}
	require.NoError(t, tp.Close())
	require.Equal(t, int64(1000), count.Load())
	require.Zero(t, tp.Size())
	require.Zero(t, coro.LiveHandles())
}

// Many goroutines submitting at once through the pool's run queue (Schedule and ScheduleTask leaves alike): every
// function runs exactly once and returns its own result.
func TestManyConcurrentSchedules(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	var wg sync.WaitGroup
	var sum atomic.Int64
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(0); i < 100; i++ {
				fn := func() (int64, error) { return i, nil }
				var v int64
				var err error
				if g%2 == 0 {
					v, err = coro.Schedule(context.Background(), tp, func(context.Context) (int64, error) { return fn() })
				} else {
					v, err = coro.SyncWait(context.Background(), coro.ScheduleTask(tp, coro.NewFunc(fn)))
				}
				if err != nil || v != i {
					t.Errorf("function %d: %v, %v", i, v, err)
					return
				}
				sum.Add(v)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int64(50*99*100/2), sum.Load())
}

func TestInvalidOptions(t *testing.T) {
	_, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: -1})
	require.ErrorIs(t, err, coro.ErrInvalid)
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	_, err = coro.Schedule[int](context.Background(), tp, nil)
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, tp.Spawn(nil), coro.ErrInvalid)
}

// Close from one of the pool's own threads cannot wait for that thread: it stops the pool in the background instead
// of crashing (joining itself) or hanging, and the queued work still runs.
func TestCloseFromOwnThread(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	var ran atomic.Int64
	closed := make(chan error, 1)
	require.NoError(t, tp.Spawn(func() { closed <- tp.Close() }))
	for i := 0; i < 100; i++ {
		if tp.Spawn(func() { ran.Add(1) }) != nil {
			break // closed already: later submissions are refused
		}
	}
	require.NoError(t, <-closed)
	require.Eventually(t, func() bool { return errors.Is(tp.Spawn(func() {}), coro.ErrClosed) }, 5*time.Second,
		time.Millisecond)
	require.NoError(t, tp.Close(), "a later Close from outside is harmless")
	require.Zero(t, tp.ThreadCount())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// The same from a function a task step runs on the pool (a Join's combine after a leaf finished there): it runs on a
// guest goroutine while the pool thread waits, and its Close must still be recognised as made from that thread.
func TestCloseFromOwnThreadInStep(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	leaf := coro.ScheduleTask(tp, coro.NewFunc(func() (int, error) { return 1, nil }))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := coro.SyncWait(ctx, coro.Join([]*coro.Task[int]{leaf}, func(rs []int) (int, error) {
		return rs[0], tp.Close()
	}))
	require.NoError(t, err)
	require.Equal(t, 1, v)
	require.Eventually(t, func() bool { return errors.Is(tp.Spawn(func() {}), coro.ErrClosed) }, 5*time.Second,
		time.Millisecond)
	require.NoError(t, tp.Close())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
