// Parity scenario 343 (thread_pool::spawn_joinable, libcoro v0.16) through coro.SpawnJoinable, on both executors.
package gotest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestSpawnJoinable(t *testing.T) {
	ctx := context.Background()
	t.Run("thread_pool::spawn_joinable", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()
		e1 := coro.NewEvent(false)
		defer e1.Close()
		var counter atomic.Int64
		join, err := coro.SpawnJoinable(tp, coro.NewTask(func(tk *coro.T) (int64, error) {
			counter.Add(1)
			if err := e1.Set(coro.LIFO); err != nil {
				return 0, err
			}
			time.Sleep(100 * time.Millisecond)
			return counter.Add(1), nil
		}))
		require.NoError(t, err)
		require.NoError(t, e1.Wait(ctx))
		require.EqualValues(t, 1, counter.Load())
		v, err := coro.SyncWait(ctx, join)
		require.NoError(t, err)
		require.EqualValues(t, 2, v)
		require.EqualValues(t, 2, counter.Load())
	})
}

func TestSpawnJoinableIOSchedulerAndErrors(t *testing.T) {
	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	require.NoError(t, err)
	// Joined from a task body: a failing task's error comes back through the join.
	join, err := coro.SpawnJoinable(s, coro.NewFunc(func() (int, error) { return 0, coro.ErrStopped }))
	require.NoError(t, err)
	outer := coro.NewTask(func(tk *coro.T) (int, error) { return coro.Await(tk, join) })
	_, err = coro.SyncWait(ctx, outer)
	require.ErrorIs(t, err, coro.ErrStopped)

	// A join nobody awaits leaks nothing once the task is done.
	_, err = coro.SpawnJoinable(s, coro.NewFunc(func() (int, error) { return 1, nil }))
	require.NoError(t, err)

	require.NoError(t, s.Close())
	_, err = coro.SpawnJoinable(s, coro.NewFunc(func() (int, error) { return 1, nil }))
	require.ErrorIs(t, err, coro.ErrClosed)
	_, err = coro.SpawnJoinable[int](s, nil)
	require.ErrorIs(t, err, coro.ErrInvalid)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
