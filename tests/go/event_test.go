// Parity scenarios 26–35 (coro::event) through package coro. Task bodies run on C++ threads, so they record
// what they see and the assertions run afterwards on the test goroutine.
package gotest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// waitUntil polls cond (a task suspended on a native await has no other observable state).
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 100*time.Microsecond)
}

func TestEvent(t *testing.T) {
	ctx := context.Background()

	consumer := func(e *coro.Event) *coro.Task[uint64] {
		return coro.NewTask(func(tk *coro.T) (uint64, error) {
			if err := e.Await(tk); err != nil {
				return 0, err
			}
			return 42, nil
		})
	}

	t.Run("event single awaiter", func(t *testing.T) {
		e := coro.NewEvent(false)
		defer e.Close()
		task := consumer(e)
		require.NoError(t, task.Start())
		require.False(t, task.Done())
		require.NoError(t, e.Set(coro.LIFO))
		// set() resumed the waiter inline: it finished before Set returned.
		require.True(t, task.Done())
		v, err := task.Result()
		require.NoError(t, err)
		require.Equal(t, uint64(42), v)
	})

	t.Run("event one watcher", func(t *testing.T) {
		e := coro.NewEvent(false)
		defer e.Close()
		task := consumer(e)
		require.NoError(t, task.Start())
		producer := func(e *coro.Event) { require.NoError(t, e.Set(coro.LIFO)) }
		producer(e)
		v, err := coro.SyncWait(ctx, task)
		require.NoError(t, err)
		require.Equal(t, uint64(42), v)
	})

	t.Run("event multiple watchers", func(t *testing.T) {
		e := coro.NewEvent(false)
		defer e.Close()
		tasks := []*coro.Task[uint64]{consumer(e), consumer(e), consumer(e)}
		for _, task := range tasks {
			require.NoError(t, task.Start())
			require.False(t, task.Done())
		}
		require.NoError(t, e.Set(coro.LIFO))
		for _, task := range tasks {
			require.True(t, task.Done())
			v, err := task.Result()
			require.NoError(t, err)
			require.Equal(t, uint64(42), v)
		}
	})

	t.Run("event reset", func(t *testing.T) {
		e := coro.NewEvent(false)
		defer e.Close()
		require.NoError(t, e.Reset())
		require.False(t, e.IsSet())

		t1 := consumer(e)
		require.NoError(t, t1.Start())
		require.False(t, t1.Done())
		require.NoError(t, e.Set(coro.LIFO))
		v, _ := t1.Result()
		require.Equal(t, uint64(42), v)

		require.NoError(t, e.Reset())
		t2 := consumer(e)
		require.NoError(t, t2.Start())
		require.False(t, t2.Done())
		require.NoError(t, e.Set(coro.LIFO))
		require.True(t, t2.Done())
		v, _ = t2.Result()
		require.Equal(t, uint64(42), v)
	})

	// fifo runs the "event fifo" family: `waiters` tasks and one setter, all scheduled onto a 1-thread pool in
	// that order; each waiter checks that it is resumed in registration order.
	fifo := func(t *testing.T, waiters int, onExecutor bool) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()
		e := coro.NewEvent(false)
		defer e.Close()

		var counter atomic.Uint64
		var outOfOrder atomic.Int64
		var tasks []coro.AnyTask
		for value := uint64(1); value <= uint64(waiters); value++ {
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp); err != nil {
					return struct{}{}, err
				}
				if err := e.Await(tk); err != nil {
					return struct{}{}, err
				}
				if counter.Add(1) != value {
					outOfOrder.Add(1)
				}
				return struct{}{}, nil
			}))
		}
		var counterAtSet atomic.Uint64
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			counterAtSet.Store(counter.Load())
			if onExecutor {
				return struct{}{}, e.SetOn(tp, coro.FIFO)
			}
			return struct{}{}, e.Set(coro.FIFO)
		}))
		all := coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(tk, tasks...) })
		_, err = coro.SyncWait(ctx, all)
		require.NoError(t, err)
		require.Zero(t, counterAtSet.Load())
		require.Zero(t, outOfOrder.Load())
		require.Equal(t, uint64(waiters), counter.Load())
	}

	t.Run("event fifo", func(t *testing.T) { fifo(t, 5, false) })
	t.Run("event fifo none", func(t *testing.T) { fifo(t, 0, false) })
	t.Run("event fifo single", func(t *testing.T) { fifo(t, 1, false) })
	t.Run("event fifo executor", func(t *testing.T) { fifo(t, 5, true) })
	t.Run("event fifo none executor", func(t *testing.T) { fifo(t, 0, true) })
	t.Run("event fifo single executor", func(t *testing.T) { fifo(t, 1, true) })

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestEventGoroutineWaiters(t *testing.T) {
	e := coro.NewEvent(false)
	const n = 100
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { errs <- e.Wait(context.Background()) }()
	}
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, e.Set(coro.LIFO))
	for i := 0; i < n; i++ {
		require.NoError(t, <-errs)
	}
	// Already set: no suspension.
	require.NoError(t, e.Wait(context.Background()))
	require.NoError(t, e.Close())
	require.ErrorIs(t, e.Wait(context.Background()), coro.ErrClosed)
	require.ErrorIs(t, e.Set(coro.LIFO), coro.ErrClosed)
	require.NoError(t, e.Close())
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestEventWaitCancel(t *testing.T) {
	e := coro.NewEvent(false)
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, e.Wait(ctx), context.DeadlineExceeded)
	// A later set still releases later waiters.
	done := make(chan error)
	go func() { done <- e.Wait(context.Background()) }()
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, e.Set(coro.LIFO))
	require.NoError(t, <-done)
}

func TestEventCloseReleasesWaiters(t *testing.T) {
	e := coro.NewEvent(false)
	done := make(chan error)
	go func() { done <- e.Wait(context.Background()) }()
	task := coro.NewTask(func(tk *coro.T) (int, error) { return 0, e.Await(tk) })
	require.NoError(t, task.Start())
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, e.Close())
	require.ErrorIs(t, <-done, coro.ErrClosed)
	_, err := coro.SyncWait(context.Background(), task)
	require.ErrorIs(t, err, coro.ErrClosed)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
