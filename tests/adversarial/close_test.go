package adversarial

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

// allowed reports whether err is what an operation racing Close may return: nothing, ErrClosed, ErrStopped (after NotifyWaiters), or its context's
// end.
func allowed(err error) bool {
	return err == nil || errors.Is(err, coro.ErrClosed) || errors.Is(err, coro.ErrStopped) || cancelled(err)
}

// raceClose runs each op in a loop from its own goroutines against a fresh object, closes the object at a random
// instant, lets the ops run on against the closed object a little, and checks every error they saw (allowed) and
// that a second Close does nothing.
func raceClose(t *testing.T, rounds int, build func() (ops []func() error, closeFn func() error)) {
	t.Helper()
	raceCloseChecking(t, rounds, raceCheck{window: 300 * time.Microsecond, ok: allowed,
		again: func(err error) bool { return err == nil }}, build)
}

// raceCheck says how raceCloseChecking closes and judges: Close comes a random 0–window after the ops start, ok
// accepts the errors they may see, again what a second Close may return.
type raceCheck struct {
	window    time.Duration
	ok, again func(error) bool
}

// raceCloseChecking is raceClose with its timing and checks given by rc.
func raceCloseChecking(t *testing.T, rounds int, rc raceCheck, build func() (ops []func() error, closeFn func() error)) {
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
						if err := op(); !rc.ok(err) {
							t.Errorf("op racing Close: %v", err)
							return
						}
					}
				}()
			}
		}
		time.Sleep(time.Duration(fastRand() % uint64(rc.window)))
		require.NoError(t, closeFn())
		time.Sleep(200 * time.Microsecond)
		stop.Store(true)
		wg.Wait()
		if err := closeFn(); !rc.again(err) {
			t.Fatalf("a second Close: %v", err)
		}
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

func TestCloseRaceQueue(t *testing.T) {
	tp := newPool(t, 1)
	raceClose(t, scale(100), func() ([]func() error, func() error) {
		q := coro.NewQueue[int]()
		return []func() error{
			func() error { return q.Push(1) },
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				_, err := q.Pop(ctx)
				return err
			},
			func() error {
				if _, err := q.TryPop(); !errors.Is(err, coro.ErrEmpty) && !errors.Is(err, coro.ErrBusy) {
					return err
				}
				return nil
			},
			func() error {
				_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
					if err := tk.Schedule(tp); err != nil {
						return 0, err
					}
					if fastRand()%2 == 0 {
						return 0, q.Push(2)
					}
					// AwaitPop has no deadline: a pusher or Close ends it.
					_, err := q.AwaitPop(tk)
					return 0, err
				}))
				return err
			},
			func() error { _, _, _ = q.Len(), q.Empty(), q.IsShutdown(); return nil },
			func() error {
				if fastRand()%64 != 0 {
					return nil
				}
				ctx, cancel := shortCtx()
				defer cancel()
				return q.ShutdownDrain(ctx)
			},
		}, q.Close
	})
}

func TestCloseRaceConditionVariable(t *testing.T) {
	tp := newPool(t, 1)
	raceClose(t, scale(100), func() ([]func() error, func() error) {
		cv := coro.NewConditionVariable()
		m := coro.NewMutex()
		t.Cleanup(func() { _ = m.Close() })
		return []func() error{
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				if err := m.Lock(context.Background()); err != nil {
					return err
				}
				return unlockAfter(m, cv.Wait(ctx, m))
			},
			func() error {
				_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
					if err := m.AwaitLock(tk); err != nil {
						return 0, err
					}
					_, err := cv.AwaitFor(tk, tp, m, 100*time.Microsecond)
					return 0, unlockAfter(m, err)
				}))
				return err
			},
			func() error { cv.NotifyOne(); return nil },
			func() error { cv.NotifyAll(); return nil },
			func() error { return cv.NotifyOneOn(tp) },
			func() error { return cv.NotifyAllOn(tp) },
		}, cv.Close
	})
}

func TestCloseRaceTaskGroup(t *testing.T) {
	tp := newPool(t, 2)
	// Fewer rounds: each round queues thousands of members, which the shared pool runs after Close.
	raceClose(t, scale(30), func() ([]func() error, func() error) {
		g, err := coro.NewTaskGroup(tp)
		require.NoError(t, err)
		return []func() error{
			func() error { return g.Go(func() {}) },
			func() error { return g.Start(coro.NewFunc(func() (int, error) { return 1, nil })) },
			func() error {
				ctx, cancel := shortCtx()
				defer cancel()
				return g.Wait(ctx)
			},
			func() error {
				_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
					return 0, g.Await(tk)
				}))
				return err
			},
			func() error { _, _ = g.Size(), g.Empty(); return nil },
		}, g.Close
	})
}
