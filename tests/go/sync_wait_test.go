// Parity scenarios 18–22 (coro::sync_wait) through package coro.
package gotest

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestSyncWait(t *testing.T) {
	ctx := context.Background()

	t.Run("sync_wait simple integer return", func(t *testing.T) {
		v, err := coro.SyncWait(ctx, valueTask(11))
		require.NoError(t, err)
		require.Equal(t, 11, v)
	})

	t.Run("sync_wait void", func(t *testing.T) {
		var output string
		task := coro.NewTask(func(*coro.T) (struct{}, error) {
			output = "hello from sync_wait<void>\n"
			return struct{}{}, nil
		})
		_, err := coro.SyncWait(ctx, task)
		require.NoError(t, err)
		require.Equal(t, "hello from sync_wait<void>\n", output)
	})

	t.Run("sync_wait task co_await single", func(t *testing.T) {
		var first, second int
		var firstErr, secondErr error
		outer := coro.NewTask(func(tk *coro.T) (int, error) {
			inner := valueTask(42)
			first, firstErr = coro.Await(tk, inner)
			// Awaiting the finished task again returns its stored value.
			second, secondErr = coro.Await(tk, inner)
			return 1337, nil
		})
		v, err := coro.SyncWait(ctx, outer)
		require.NoError(t, err)
		require.Equal(t, 1337, v)
		require.NoError(t, firstErr)
		require.NoError(t, secondErr)
		require.Equal(t, 42, first)
		require.Equal(t, 42, second)
	})

	t.Run("sync_wait task that throws", func(t *testing.T) {
		task := coro.NewTask(func(*coro.T) (uint64, error) {
			panic(errors.New("I always throw!"))
		})
		_, err := coro.SyncWait(ctx, task)
		require.Error(t, err)
		requirePanicked(t, err, "I always throw!")
	})

	t.Run("sync_wait very rarely hangs issue-270", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{}) // default: one thread per CPU
		const ntasks = 100
		wanted := map[int]bool{}
		for range ntasks {
			wanted[rand.IntN(ntasks+1)] = true
		}
		var count atomic.Int64
		tasks := make([]*coro.Task[struct{}], ntasks)
		for i := range tasks {
			tasks[i] = coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp); err != nil {
					return struct{}{}, err
				}
				if wanted[i] {
					count.Add(1)
				}
				return struct{}{}, nil
			})
		}
		whenAll(t, tasks)
		for _, task := range tasks {
			_, err := task.Result()
			require.NoError(t, err)
		}
		require.Positive(t, count.Load())
	})
}
