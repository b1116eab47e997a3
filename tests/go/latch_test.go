// Parity scenarios 36–40 (coro::latch) through package coro, plus the binding's own rules (goroutine waiters,
// cancellation, Close). Task bodies record what they see; assertions run on the test goroutine.
package gotest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestLatch(t *testing.T) {
	// waiterTask records remaining() before awaiting (the C++ tests co_return it) and returns it.
	waiterTask := func(l *coro.Latch) *coro.Task[int64] {
		return coro.NewTask(func(tk *coro.T) (int64, error) {
			r := l.Remaining()
			return r, l.Await(tk)
		})
	}

	t.Run("latch count=0", func(t *testing.T) {
		l := coro.NewLatch(0)
		defer l.Close()
		task := coro.NewTask(func(tk *coro.T) (uint64, error) {
			if err := l.Await(tk); err != nil {
				return 0, err
			}
			return 42, nil
		})
		require.NoError(t, task.Start())
		require.True(t, task.Done()) // no suspension
		v, err := task.Result()
		require.NoError(t, err)
		require.Equal(t, uint64(42), v)
	})

	t.Run("latch count=1", func(t *testing.T) {
		l := coro.NewLatch(1)
		defer l.Close()
		task := waiterTask(l)
		require.NoError(t, task.Start())
		require.False(t, task.Done())
		require.NoError(t, l.CountDown(1))
		require.True(t, task.Done())
		v, err := task.Result()
		require.NoError(t, err)
		require.Equal(t, int64(1), v)
	})

	t.Run("latch count=1 count_down=5", func(t *testing.T) {
		l := coro.NewLatch(1)
		defer l.Close()
		task := waiterTask(l)
		require.NoError(t, task.Start())
		require.False(t, task.Done())
		require.NoError(t, l.CountDown(5))
		require.True(t, task.Done())
		v, err := task.Result()
		require.NoError(t, err)
		require.Equal(t, int64(1), v)
		require.True(t, l.IsReady())
		require.Equal(t, int64(-4), l.Remaining()) // libcoro: the same int64 as a size_t
	})

	t.Run("latch count=5 count_down=1 x5", func(t *testing.T) {
		l := coro.NewLatch(5)
		defer l.Close()
		task := waiterTask(l)
		require.NoError(t, task.Start())
		for i := 0; i < 4; i++ {
			require.NoError(t, l.CountDown(1))
			require.False(t, task.Done())
		}
		require.NoError(t, l.CountDown(1))
		require.True(t, task.Done())
		v, err := task.Result()
		require.NoError(t, err)
		require.Equal(t, int64(5), v)
	})

	t.Run("latch count=5 count_down=5", func(t *testing.T) {
		l := coro.NewLatch(5)
		defer l.Close()
		task := waiterTask(l)
		require.NoError(t, task.Start())
		require.False(t, task.Done())
		require.NoError(t, l.CountDown(5))
		require.True(t, task.Done())
		v, err := task.Result()
		require.NoError(t, err)
		require.Equal(t, int64(5), v)
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestLatchGoroutines(t *testing.T) {
	l := coro.NewLatch(3)
	const n = 50
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { errs <- l.Wait(context.Background()) }()
	}
	// One waiter gives up; it must not disturb the others.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	require.ErrorIs(t, l.Wait(ctx), context.DeadlineExceeded)
	cancel()
	for i := 0; i < 3; i++ {
		require.NoError(t, l.CountDown(1))
	}
	for i := 0; i < n; i++ {
		require.NoError(t, <-errs)
	}
	require.NoError(t, l.Wait(context.Background())) // ready: no suspension
	require.NoError(t, l.Close())
	require.NoError(t, l.Close())
	require.ErrorIs(t, l.Wait(context.Background()), coro.ErrClosed)
	require.ErrorIs(t, l.CountDown(1), coro.ErrClosed)
	require.False(t, l.IsReady())
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestLatchCloseReleasesWaiters(t *testing.T) {
	l := coro.NewLatch(2)
	done := make(chan error)
	go func() { done <- l.Wait(context.Background()) }()
	task := coro.NewTask(func(tk *coro.T) (int, error) { return 0, l.Await(tk) })
	require.NoError(t, task.Start())
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, l.Close())
	require.ErrorIs(t, <-done, coro.ErrClosed)
	_, err := coro.SyncWait(context.Background(), task)
	require.ErrorIs(t, err, coro.ErrClosed)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestLatchCountDownOnPool(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	defer tp.Close()
	l := coro.NewLatch(1)
	defer l.Close()
	var tid int
	task := coro.NewTask(func(tk *coro.T) (int, error) {
		err := l.Await(tk)
		tid = tk.ThreadID()
		return 0, err
	})
	require.NoError(t, task.Start())
	require.NoError(t, l.CountDownOn(tp, 1))
	_, err = coro.SyncWait(context.Background(), task)
	require.NoError(t, err)
	require.NotZero(t, tid)
}
