// Parity scenarios 274–278 (libcoro v0.16 test_semaphore.cpp, semaphore<max> with shutdown) through package coro.
// libcoro v0.16's shutdown() is NotifyWaiters here: waiters and later acquires fail with coro.ErrStopped, and its
// clamping semaphore<max> is coro.NewClampedSemaphore.
package gotest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestSemaphoreV16(t *testing.T) {
	ctx := context.Background()

	// parity-note: "semaphore release over max": v0.16's clamping semaphore<max> is coro.NewClampedSemaphore (NewSemaphore keeps v0.14's unclamped counter); its Release reports the dropped unit with ErrAtMax where libcoro drops it silently.
	t.Run("semaphore release over max", func(t *testing.T) {
		s, err := coro.NewClampedSemaphore(2, 0)
		require.NoError(t, err)
		defer s.Close()
		require.NoError(t, s.Release())
		require.Equal(t, int64(1), s.Value())
		require.NoError(t, s.Release())
		require.Equal(t, int64(2), s.Value())
		require.ErrorIs(t, s.Release(), coro.ErrAtMax)
		require.Equal(t, int64(2), s.Value(), "clamped")
	})

	t.Run("clamped semaphore hands units to waiters", func(t *testing.T) {
		// A release owed to a waiter is never dropped, even when many releases race: every one of the waiters
		// gets its unit, and the counter ends at most Max.
		const waiters, max = 40, 2
		s, err := coro.NewClampedSemaphore(max, 0)
		require.NoError(t, err)
		defer s.Close()
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
		var acquired atomic.Int64
		var tasks []*coro.Task[struct{}]
		for i := range waiters {
			if i%2 == 0 {
				tasks = append(tasks, run(func(tk *coro.T) error {
					if err := tk.Schedule(tp); err != nil {
						return err
					}
					if err := s.AwaitAcquire(tk); err != nil {
						return err
					}
					acquired.Add(1)
					return nil
				}))
				continue
			}
			go func() {
				if s.Acquire(ctx) == nil {
					acquired.Add(1)
				}
			}()
		}
		done := make(chan error, 1)
		go func() {
			_, err := coro.SyncWait(ctx, run(func(tk *coro.T) error { return coro.WhenAll(tk, anyTasks(tasks)...) }))
			done <- err
		}()
		released := 0
		for acquired.Load() < waiters {
			// Eight releases racing each other; those that find the counter at Max drop their unit.
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = s.Release()
				}()
			}
			wg.Wait()
			released += 8
			require.LessOrEqual(t, s.Value(), int64(max))
			require.Less(t, released, 100_000, "waiters starve: %d of %d acquired", acquired.Load(), waiters)
			time.Sleep(time.Millisecond)
		}
		require.NoError(t, <-done)
		require.LessOrEqual(t, s.Value(), int64(max))
	})

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
