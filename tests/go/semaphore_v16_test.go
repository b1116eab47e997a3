// Parity scenarios 274–278 (libcoro v0.16 test_semaphore.cpp, semaphore<max> with shutdown) through package coro.
// libcoro v0.16's shutdown() is NotifyWaiters here: waiters and later acquires fail with coro.ErrStopped.
package gotest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// parity-note: "semaphore release over max": needs a Release that clamps at Max (v0.16's semaphore<max>; coro.Semaphore keeps v0.14's unclamped counter, which "semaphore ringbuffer many producers and consumers" relies on), see issue 18.

func TestSemaphoreV16(t *testing.T) {
	ctx := context.Background()

	t.Run("semaphore try_acquire", func(t *testing.T) {
		s := newSemaphore(t, 2, 2)
		defer s.Close()
		require.True(t, s.TryAcquire())
		require.True(t, s.TryAcquire())
		require.False(t, s.TryAcquire())
		require.Zero(t, s.Value())
	})

	t.Run("semaphore max()", func(t *testing.T) {
		s := newSemaphore(t, 64, 32)
		defer s.Close()
		require.Equal(t, int64(64), s.Max())
		require.Equal(t, int64(32), s.Value())
	})

	// parity-note: "semaphore produce consume": the producer waits (native event) until the consumer runs on the pool: with Go's unclamped counter, releases made before the consumer starts would all be taken at once and overshoot 10.
	t.Run("semaphore produce consume", func(t *testing.T) {
		const iterations = 10
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		s := newSemaphore(t, 2, 2)
		defer s.Close()
		var value atomic.Uint64
		consumerRunning := coro.NewEvent(false)
		defer consumerRunning.Close()

		producer := run(func(tk *coro.T) error {
			if err := tk.Schedule(tp); err != nil {
				return err
			}
			if err := consumerRunning.Await(tk); err != nil {
				return err
			}
			for value.Load() < iterations {
				if err := tk.Yield(tp); err != nil {
					return err
				}
				if err := s.Release(); err != nil {
					return err
				}
			}
			return s.NotifyWaiters()
		})
		consumer := run(func(tk *coro.T) error {
			if err := tk.Schedule(tp); err != nil {
				return err
			}
			if err := consumerRunning.SetOn(tp, coro.LIFO); err != nil {
				return err
			}
			for {
				if err := s.AwaitAcquire(tk); err != nil {
					if errorsIsStopped(err) {
						return nil
					}
					return err
				}
				value.Add(1) // never released
			}
		})
		_, err := coro.SyncWait(ctx, run(func(tk *coro.T) error { return coro.WhenAll(tk, producer, consumer) }))
		require.NoError(t, err)
		for _, task := range []*coro.Task[struct{}]{producer, consumer} {
			_, err := task.Result()
			require.NoError(t, err)
		}
		require.Equal(t, uint64(iterations), value.Load())
		require.ErrorIs(t, s.Acquire(ctx), coro.ErrStopped, "shutdown is final")
	})

	// parity-note: "semaphore 1 producers and many consumers": 20,000 releases instead of 100,000: each is followed by a yield, and every await of a Go task body is a goroutine hand-off.
	t.Run("semaphore 1 producers and many consumers", func(t *testing.T) {
		const consumers, iterations = 16, 20_000
		tp := newPool(t, coro.ThreadPoolOptions{})
		s := newSemaphore(t, 50, 0)
		defer s.Close()
		var value atomic.Uint64
		var stopped atomic.Int64

		var tasks []*coro.Task[struct{}]
		for range consumers {
			tasks = append(tasks, run(func(tk *coro.T) error {
				if err := tk.Schedule(tp); err != nil {
					return err
				}
				for {
					if err := s.AwaitAcquire(tk); err != nil {
						if errorsIsStopped(err) {
							stopped.Add(1)
							return nil
						}
						return err
					}
					if err := tk.Schedule(tp); err != nil {
						return err
					}
					value.Add(1)
				}
			}))
		}
		tasks = append(tasks, run(func(tk *coro.T) error {
			if err := tk.Schedule(tp); err != nil {
				return err
			}
			for range iterations {
				if err := s.Release(); err != nil {
					return err
				}
				if err := tk.Yield(tp); err != nil {
					return err
				}
			}
			for value.Load() < iterations {
				if err := tk.Yield(tp); err != nil {
					return err
				}
			}
			return s.NotifyWaiters()
		}))
		_, err := coro.SyncWait(ctx, run(func(tk *coro.T) error { return coro.WhenAll(tk, anyTasks(tasks)...) }))
		require.NoError(t, err)
		for _, task := range tasks {
			_, err := task.Result()
			require.NoError(t, err)
		}
		require.GreaterOrEqual(t, value.Load(), uint64(iterations))
		require.Equal(t, int64(consumers), stopped.Load(), "every consumer left through the shutdown")
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
