package adversarial

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

// allowed reports whether err is what an operation racing Close may return: nothing, ErrClosed, ErrStopped (after NotifyWaiters), or its context's
// end.
func allowed(err error) bool {
	return err == nil || errors.Is(err, coro.ErrClosed) || errors.Is(err, coro.ErrStopped) || cancelled(err)
}

// raceClose runs each op in a loop from its own goroutines against a fresh object, closes the object at a random
// instant, lets the ops run on against the closed object a little, and checks every error they saw.
func raceClose(t *testing.T, rounds int, build func() (ops []func() error, closeFn func() error)) {
	t.Helper()
	var calls atomic.Int64
	for range rounds {
		ops, closeFn := build()
		var wg sync.WaitGroup
		var stop atomic.Bool
		for _, op := range ops {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Bounded per round: on a loaded machine the closer may not run again for a long while.
					for n := 0; n < 400 && !stop.Load(); n++ {
						calls.Add(1)
						if err := op(); !allowed(err) {
							t.Errorf("op racing Close: %v", err)
							return
						}
					}
				}()
			}
		}
		time.Sleep(time.Duration(fastRand()%300) * time.Microsecond)
		require.NoError(t, closeFn())
		time.Sleep(200 * time.Microsecond)
		stop.Store(true)
		wg.Wait()
		require.NoError(t, closeFn(), "a second Close does nothing")
	}
	t.Logf("%d rounds, %d calls racing Close", rounds, calls.Load())
}

func shortCtx() (context.Context, context.CancelFunc) { return jitterCtx(200) }

func TestCloseRaceMutex(t *testing.T) {
	raceClose(t, scale(100), func() ([]func() error, func() error) {
		m := coro.NewMutex()
		return []func() error{
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				if err := m.Lock(ctx); err != nil {
					return err
				}
				return m.Unlock()
			},
			func() error {
				if m.TryLock() {
					return m.Unlock()
				}
				return nil
			},
		}, m.Close
	})
}

func TestCloseRaceSemaphore(t *testing.T) {
	raceClose(t, scale(100), func() ([]func() error, func() error) {
		s, err := coro.NewSemaphore(2, 1)
		require.NoError(t, err)
		return []func() error{
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				if err := s.Acquire(ctx); err != nil {
					return err
				}
				return s.Release()
			},
			func() error {
				if s.TryAcquire() {
					return s.Release()
				}
				return nil
			},
			func() error { _, _ = s.Value(), s.Max(); return nil },
			s.NotifyWaiters,
		}, s.Close
	})
}

func TestCloseRaceSharedMutex(t *testing.T) {
	tp := newPool(t, 2)
	raceClose(t, scale(100), func() ([]func() error, func() error) {
		m, err := coro.NewSharedMutex(tp)
		require.NoError(t, err)
		return []func() error{
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				if err := m.Lock(ctx); err != nil {
					return err
				}
				return m.Unlock()
			},
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				if err := m.LockShared(ctx); err != nil {
					return err
				}
				return m.UnlockShared()
			},
			func() error {
				if m.TryLock() {
					return m.Unlock()
				}
				if m.TryLockShared() {
					return m.UnlockShared()
				}
				return nil
			},
		}, m.Close
	})
}

func TestCloseRaceLatch(t *testing.T) {
	tp := newPool(t, 1)
	raceClose(t, scale(100), func() ([]func() error, func() error) {
		l := coro.NewLatch(1 << 20)
		return []func() error{
			func() error { return l.CountDown(1) },
			func() error { return l.CountDownOn(tp, 1) },
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				return l.Wait(ctx)
			},
			func() error { _, _ = l.IsReady(), l.Remaining(); return nil },
		}, l.Close
	})
}

func TestCloseRaceRingBuffer(t *testing.T) {
	raceClose(t, scale(100), func() ([]func() error, func() error) {
		rb, err := coro.NewRingBuffer[int](2)
		require.NoError(t, err)
		return []func() error{
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				return rb.Produce(ctx, 1)
			},
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				_, err := rb.Consume(ctx)
				return err
			},
			func() error { _, _, _ = rb.Size(), rb.Empty(), rb.Capacity(); return nil },
			rb.NotifyWaiters,
		}, rb.Close
	})
}

func TestCloseRaceThreadPool(t *testing.T) {
	raceClose(t, scale(100), func() ([]func() error, func() error) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
		require.NoError(t, err)
		return []func() error{
			func() error { return tp.Spawn(func() {}) },
			func() error {
				_, err := coro.Schedule(context.Background(), tp, func(context.Context) (int, error) { return 1, nil })
				return err
			},
			func() error {
				_, err := coro.SyncWait(context.Background(), coro.ScheduleTask(tp, coro.NewFunc(func() (int, error) { return 1, nil })))
				return err
			},
			func() error { _, _ = tp.Size(), tp.ThreadCount(); return nil },
		}, tp.Close
	})
}

func TestCloseRaceIOScheduler(t *testing.T) {
	for _, strategy := range []coro.ExecutionStrategy{coro.TasksOnThreadPool, coro.TasksInline} {
		raceClose(t, scale(20), func() ([]func() error, func() error) {
			s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: strategy,
				Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
			require.NoError(t, err)
			return []func() error{
				func() error { return s.Spawn(func() {}) },
				func() error {
					_, err := coro.Schedule(context.Background(), s, func(context.Context) (int, error) { return 1, nil })
					return err
				},
				func() error {
					_, err := coro.SyncWait(context.Background(), coro.ScheduleTask(s, coro.NewFunc(func() (int, error) { return 1, nil })))
					return err
				},
				func() error { _ = s.Size(); return nil },
			}, s.Close
		})
	}
}

// Close under thousands of blocked waiters of each kind: every waiter returns ErrClosed (or, for a grant that
// won the race, nil), and nobody is left blocked.
func closeUnderWaiters(t *testing.T, n int, wait func() error, closeFn func() error) {
	t.Helper()
	var wg sync.WaitGroup
	var started atomic.Int64
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			errs <- wait()
		}()
	}
	require.True(t, eventually(30*time.Second, func() bool { return started.Load() == int64(n) }))
	time.Sleep(50 * time.Millisecond) // let them block
	require.NoError(t, closeFn())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("waiters still blocked a minute after Close")
	}
	close(errs)
	closed := 0
	for err := range errs {
		if errors.Is(err, coro.ErrClosed) {
			closed++
		} else {
			assert.NoError(t, err)
		}
	}
	assert.Greater(t, closed, 0)
}

func TestCloseUnderWaiters(t *testing.T) {
	n := scale(3000)
	bg := context.Background()
	// Mutex and SharedMutex: TestKnownCloseHeldLockLeaksWaiterHandles.
	t.Run("Semaphore.Acquire", func(t *testing.T) {
		s, err := coro.NewSemaphore(1, 0)
		require.NoError(t, err)
		closeUnderWaiters(t, n, func() error { return s.Acquire(bg) }, s.Close)
	})
	t.Run("Latch.Wait", func(t *testing.T) {
		l := coro.NewLatch(1)
		closeUnderWaiters(t, n, func() error { return l.Wait(bg) }, l.Close)
	})
	t.Run("RingBuffer.Consume", func(t *testing.T) {
		rb, err := coro.NewRingBuffer[int](1)
		require.NoError(t, err)
		closeUnderWaiters(t, n, func() error { _, err := rb.Consume(bg); return err }, rb.Close)
	})
	t.Run("RingBuffer.Produce", func(t *testing.T) {
		rb, err := coro.NewRingBuffer[int](1)
		require.NoError(t, err)
		require.NoError(t, rb.Produce(bg, 0))
		closeUnderWaiters(t, n, func() error { return rb.Produce(bg, 1) }, rb.Close)
	})
	t.Run("Event.Wait", func(t *testing.T) {
		e := coro.NewEvent(false)
		closeUnderWaiters(t, n, func() error { return e.Wait(bg) }, e.Close)
	})
	t.Run("ThreadPool.Schedule queued", func(t *testing.T) {
		// One worker blocked on a gate, thousands of functions queued behind it: Close runs or refuses each.
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		gate := make(chan struct{})
		require.NoError(t, tp.Spawn(func() { <-gate }))
		var ran atomic.Int64
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := coro.Schedule(bg, tp, func(context.Context) (int, error) { ran.Add(1); return 0, nil })
				errs <- err
			}()
		}
		time.Sleep(50 * time.Millisecond)
		go func() { time.Sleep(20 * time.Millisecond); close(gate) }()
		require.NoError(t, tp.Close())
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			if err == nil {
				ok++
			} else {
				assert.ErrorIs(t, err, coro.ErrClosed)
			}
		}
		assert.EqualValues(t, ok, ran.Load(), "a function reported as run did not run, or ran unreported")
	})
}
