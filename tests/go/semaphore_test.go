// Parity scenarios 47–50 (coro::semaphore) through package coro, plus goroutine waiters, cancellation, stop and
// Close.
package gotest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestSemaphore(t *testing.T) {
	ctx := context.Background()
	none := struct{}{}

	t.Run("semaphore binary", func(t *testing.T) {
		s := newSemaphore(t, 1, 1)
		defer s.Close()
		var output []uint64
		type seen struct {
			tryWhileHeld bool
			valueHeld    int64
			valueAfter   int64
			tryAfter     bool
		}
		var got seen
		task := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := s.AwaitAcquire(tk); err != nil {
				return none, err
			}
			output = append(output, 1)
			got.tryWhileHeld = s.TryAcquire()
			got.valueHeld = s.Value()
			if err := s.Release(); err != nil {
				return none, err
			}
			got.valueAfter = s.Value()
			got.tryAfter = s.TryAcquire()
			return none, s.Release()
		})
		_, err := coro.SyncWait(ctx, task)
		require.NoError(t, err)
		require.Equal(t, seen{tryWhileHeld: false, valueHeld: 0, valueAfter: 1, tryAfter: true}, got)
		require.Equal(t, int64(1), s.Value())
		require.True(t, s.TryAcquire())
		require.Equal(t, int64(0), s.Value())
		require.NoError(t, s.Release())
		require.Equal(t, int64(1), s.Value())
		require.Equal(t, []uint64{1}, output)
	})

	t.Run("semaphore binary many waiters until event", func(t *testing.T) {
		s := newSemaphore(t, 1, 1)
		defer s.Close()
		e := coro.NewEvent(false)
		defer e.Close()
		var value atomic.Uint64
		var triedWhileHeld atomic.Int64

		blocker := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := s.AwaitAcquire(tk); err != nil {
				return none, err
			}
			if err := e.Await(tk); err != nil {
				return none, err
			}
			return none, s.Release()
		})
		worker := func() *coro.Task[struct{}] {
			return coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := s.AwaitAcquire(tk); err != nil {
					return none, err
				}
				if s.TryAcquire() {
					triedWhileHeld.Add(1)
				}
				value.Add(1)
				return none, s.Release()
			})
		}
		setter := coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, e.Set(coro.LIFO) })
		tasks := []coro.AnyTask{blocker, worker(), worker(), worker(), worker(), setter}
		all := coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, coro.WhenAll(tk, tasks...) })
		_, err := coro.SyncWait(ctx, all)
		require.NoError(t, err)
		for _, task := range tasks {
			_, err := task.(*coro.Task[struct{}]).Result()
			require.NoError(t, err)
		}
		require.Zero(t, triedWhileHeld.Load())
		require.Equal(t, uint64(4), value.Load())
	})

	// parity-note: "semaphore ringbuffer": the producer waits (native event) until the consumer runs on the pool: a Go-bodied task starts in microseconds, so under load the producer could otherwise finish before the consumer starts.
	t.Run("semaphore ringbuffer", func(t *testing.T) {
		const iterations = 10
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()
		s := newSemaphore(t, 2, 2)
		defer s.Close()
		var value atomic.Uint64
		// Starting a Go-bodied task takes microseconds (a goroutine hand-off), not nanoseconds as in C++: without
		// this gate a loaded machine can let the producer finish all its releases and notify_waiters before the
		// consumer is even scheduled (value 0). The consumer opens it once it runs on the pool.
		consumerRunning := coro.NewEvent(false)
		defer consumerRunning.Close()

		consumer := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return none, err
			}
			if err := consumerRunning.SetOn(tp, coro.LIFO); err != nil {
				return none, err
			}
			for {
				if err := s.AwaitAcquire(tk); err != nil {
					if errorsIsStopped(err) {
						return none, nil
					}
					return none, err
				}
				value.Add(1) // acquire is "consuming": never released
			}
		})
		producer := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return none, err
			}
			if err := consumerRunning.Await(tk); err != nil {
				return none, err
			}
			for i := 2; i < iterations; i++ {
				if err := s.Release(); err != nil {
					return none, err
				}
				if err := tk.Yield(tp); err != nil {
					return none, err
				}
			}
			return none, s.NotifyWaiters()
		})
		all := coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, coro.WhenAll(tk, producer, consumer) })
		_, err = coro.SyncWait(ctx, all)
		require.NoError(t, err)
		_, err = producer.Result()
		require.NoError(t, err)
		_, err = consumer.Result()
		require.NoError(t, err)
		require.Equal(t, uint64(iterations), value.Load())
	})

	t.Run("semaphore ringbuffer many producers and consumers", func(t *testing.T) {
		const consumers, iterations = 16, 100_000
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{})
		require.NoError(t, err)
		defer tp.Close()
		s := newSemaphore(t, 50, 0)
		defer s.Close()
		var value atomic.Uint64

		var tasks []coro.AnyTask
		for i := 0; i < consumers; i++ {
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp); err != nil {
					return none, err
				}
				for {
					if err := s.AwaitAcquire(tk); err != nil {
						if errorsIsStopped(err) {
							return none, nil
						}
						return none, err
					}
					if err := tk.Schedule(tp); err != nil {
						return none, err
					}
					value.Add(1)
				}
			}))
		}
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return none, err
			}
			for i := 0; i < iterations; i++ {
				if err := s.Release(); err != nil { // never clamped to max
					return none, err
				}
			}
			for value.Load() < iterations {
				if err := tk.Yield(tp); err != nil {
					return none, err
				}
			}
			return none, s.NotifyWaiters()
		}))
		all := coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, coro.WhenAll(tk, tasks...) })
		_, err = coro.SyncWait(ctx, all)
		require.NoError(t, err)
		for _, task := range tasks {
			_, err := task.(*coro.Task[struct{}]).Result()
			require.NoError(t, err)
		}
		require.GreaterOrEqual(t, value.Load(), uint64(iterations))
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func errorsIsStopped(err error) bool { return errors.Is(err, coro.ErrStopped) }

func TestSemaphoreGoroutines(t *testing.T) {
	s := newSemaphore(t, 3, 3)
	var inside, maxInside atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%4)*50*time.Microsecond+time.Microsecond)
				err := s.Acquire(ctx)
				cancel()
				if err != nil {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					continue
				}
				n := inside.Add(1)
				for {
					m := maxInside.Load()
					if n <= m || maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				inside.Add(-1)
				assert.NoError(t, s.Release())
			}
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, maxInside.Load(), int64(3))
	// No unit was lost to a cancellation (hand-ons of orphaned grants are asynchronous).
	waitUntil(t, func() bool { return s.Value() == 3 })

	// Stop: waiters and later acquires fail with ErrStopped; try_acquire still works (libcoro).
	for i := 0; i < 3; i++ {
		require.NoError(t, s.Acquire(context.Background()))
	}
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() { errs <- s.Acquire(context.Background()) }()
	}
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, s.NotifyWaiters())
	for i := 0; i < 4; i++ {
		require.ErrorIs(t, <-errs, coro.ErrStopped)
	}
	require.NoError(t, s.Release())
	require.ErrorIs(t, s.Acquire(context.Background()), coro.ErrStopped)
	require.True(t, s.TryAcquire())
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Acquire(context.Background()), coro.ErrClosed)
	require.ErrorIs(t, s.Release(), coro.ErrClosed)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestSemaphoreCloseReleasesWaiters(t *testing.T) {
	s := newSemaphore(t, 1, 0)
	done := make(chan error)
	go func() { done <- s.Acquire(context.Background()) }()
	task := coro.NewTask(func(tk *coro.T) (int, error) { return 0, s.AwaitAcquire(tk) })
	require.NoError(t, task.Start())
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, s.Close())
	require.ErrorIs(t, <-done, coro.ErrClosed)
	_, err := coro.SyncWait(context.Background(), task)
	require.ErrorIs(t, err, coro.ErrClosed)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func newSemaphore(t *testing.T, max, initial int64) *coro.Semaphore {
	t.Helper()
	s, err := coro.NewSemaphore(max, initial)
	require.NoError(t, err)
	return s
}
