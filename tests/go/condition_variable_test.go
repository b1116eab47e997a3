// Parity scenarios 304–328 (coro::condition_variable, libcoro v0.16) through package coro, plus goroutine waiters
// and Close. Timed scenarios keep their shape with generous bounds (the machine is shared): a wait that must not
// time out waits cvLong instead of 50 ms, a notifier that must come too late waits cvLate instead of 50–100 ms.
//
// parity-note: "wait(lock stop_token predicate) 1 waiter": the stop_token is a context.Context; cancelling it wakes the waiter at once, which returns false with context.Canceled
package gotest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

const (
	cvLong  = 5 * time.Second
	cvShort = 10 * time.Millisecond
	cvLate  = 300 * time.Millisecond
)

func TestConditionVariable(t *testing.T) {
	ctx := context.Background()
	bg := context.Background()
	inlineSched := func(t *testing.T) *coro.IOScheduler {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	// run awaits every task (when_all) and returns their results in order.
	run := func(t *testing.T, tasks ...*coro.Task[int]) []int {
		t.Helper()
		var any []coro.AnyTask
		for _, tk := range tasks {
			any = append(any, tk)
		}
		_, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(tk, any...) }))
		require.NoError(t, err)
		var out []int
		for _, tk := range tasks {
			v, err := tk.Result()
			require.NoError(t, err)
			out = append(out, v)
		}
		return out
	}
	// locked runs body between AwaitLock and Unlock of m and returns its value.
	locked := func(tk *coro.T, m *coro.Mutex, body func() (int, error)) (int, error) {
		if err := m.AwaitLock(tk); err != nil {
			return 0, err
		}
		v, err := body()
		if uerr := m.Unlock(); err == nil {
			err = uerr
		}
		return v, err
	}
	newPrims := func(t *testing.T) (*coro.ConditionVariable, *coro.Mutex, *coro.Event) {
		cv, m, e := coro.NewConditionVariable(), coro.NewMutex(), coro.NewEvent(false)
		t.Cleanup(func() { _ = cv.Close(); _ = m.Close(); _ = e.Close() })
		return cv, m, e
	}
	// notifierAfterEvent awaits e, then runs notify and returns 0.
	notifierAfterEvent := func(e *coro.Event, notify func(tk *coro.T) error) *coro.Task[int] {
		return coro.NewTask(func(tk *coro.T) (int, error) {
			if err := e.Await(tk); err != nil {
				return -1, err
			}
			return 0, notify(tk)
		})
	}

	// untilWaiting lets a notifier on the inline scheduler s go on only once waiting() is true: a waiter sets it on
	// s's thread just before its wait, and keeps that thread until it is suspended in the wait, so when the notifier
	// (on the same thread) sees it, the waiter waits. Upstream relies on a 10 ms head start instead, which a loaded
	// machine does not guarantee (a notification with no waiter is lost).
	untilWaiting := func(tk *coro.T, s *coro.IOScheduler, waiting func() bool) error {
		for !waiting() {
			if err := tk.YieldFor(s, time.Millisecond); err != nil {
				return err
			}
		}
		return nil
	}

	t.Run("wait(lock) 1 waiter", func(t *testing.T) {
		cv, m, e := newPrims(t)
		waiter := coro.NewTask(func(tk *coro.T) (int, error) {
			return locked(tk, m, func() (int, error) {
				if err := e.Set(coro.LIFO); err != nil {
					return 0, err
				}
				return 42, cv.Await(tk, m)
			})
		})
		notifier := notifierAfterEvent(e, func(*coro.T) error { cv.NotifyOne(); return nil })
		require.Equal(t, []int{42, 0}, run(t, waiter, notifier))
	})

	t.Run("wait(lock predicate) 1 waiter", func(t *testing.T) {
		cv, m, e := newPrims(t)
		waiter := coro.NewTask(func(tk *coro.T) (int, error) {
			return locked(tk, m, func() (int, error) {
				if err := e.Set(coro.LIFO); err != nil {
					return 0, err
				}
				ok, err := cv.AwaitPred(tk, bg, m, func() bool { return true })
				assert.True(t, ok)
				return 42, err
			})
		})
		notifier := notifierAfterEvent(e, func(*coro.T) error { cv.NotifyOne(); return nil })
		require.Equal(t, []int{42, 0}, run(t, waiter, notifier))
	})

	t.Run("wait(lock stop_token predicate) 1 waiter", func(t *testing.T) {
		cv, m, e := newPrims(t)
		stop, requestStop := context.WithCancel(bg)
		defer requestStop()
		waiter := coro.NewTask(func(tk *coro.T) (int, error) {
			return locked(tk, m, func() (int, error) {
				if err := e.Set(coro.LIFO); err != nil {
					return 0, err
				}
				ok, err := cv.AwaitPred(tk, stop, m, func() bool { return false })
				assert.False(t, ok)
				assert.ErrorIs(t, err, context.Canceled)
				return 42, nil
			})
		})
		notifier := notifierAfterEvent(e, func(*coro.T) error {
			requestStop()
			cv.NotifyOne()
			return nil
		})
		require.Equal(t, []int{42, 0}, run(t, waiter, notifier))
	})

	// 307/308/313: a counting predicate `counter == 1`; the notifier notifies (false), counts, notifies (true).
	predUntilPasses := func(t *testing.T, notifyAll, timed bool) {
		s := inlineSched(t)
		cv, m, _ := newPrims(t)
		var counter, calls atomic.Int64
		var waiting atomic.Bool
		pred := func() bool { calls.Add(1); return counter.Load() == 1 }
		waiter := coro.NewTask(func(tk *coro.T) (int, error) {
			if err := tk.Schedule(s); err != nil {
				return 0, err
			}
			return locked(tk, m, func() (int, error) {
				var ok bool
				var err error
				waiting.Store(true)
				if timed {
					ok, err = cv.AwaitForPred(tk, bg, s, m, cvLong, pred)
				} else {
					ok, err = cv.AwaitPred(tk, bg, m, pred)
				}
				assert.True(t, ok)
				return 42, err
			})
		})
		notify := cv.NotifyOne
		if notifyAll {
			notify = cv.NotifyAll
		}
		notifier := coro.NewTask(func(tk *coro.T) (int, error) {
			if err := tk.Schedule(s); err != nil {
				return 0, err
			}
			if err := tk.YieldFor(s, cvShort); err != nil {
				return 0, err
			}
			if err := untilWaiting(tk, s, waiting.Load); err != nil {
				return 0, err
			}
			notify()
			counter.Add(1)
			notify()
			return 0, nil
		})
		require.Equal(t, []int{42, 0}, run(t, waiter, notifier))
		require.EqualValues(t, 3, calls.Load())
	}
	t.Run("wait(lock predicate) 1 waiter notify_one until predicate passes", func(t *testing.T) {
		predUntilPasses(t, false, false)
	})
	t.Run("wait(lock predicate) 1 waiter predicate notify_all until predicate passes", func(t *testing.T) {
		predUntilPasses(t, true, false)
	})
	t.Run("wait_for(s lock duration predicate) 1 waiter predicate notify_one until predicate passes", func(t *testing.T) {
		predUntilPasses(t, false, true)
	})

	t.Run("wait(lock) 3 waiters notify_one", func(t *testing.T) {
		s := inlineSched(t)
		cv, m, _ := newPrims(t)
		events := []*coro.Event{coro.NewEvent(false), coro.NewEvent(false), coro.NewEvent(false)}
		var tasks []*coro.Task[int]
		for i := range 3 {
			defer events[i].Close()
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
				if err := tk.Schedule(s); err != nil {
					return 0, err
				}
				return locked(tk, m, func() (int, error) {
					if err := events[i].Set(coro.LIFO); err != nil {
						return 0, err
					}
					return i + 1, cv.Await(tk, m)
				})
			}))
		}
		var notifiers []*coro.Task[int]
		for range 3 {
			notifiers = append(notifiers, coro.NewTask(func(tk *coro.T) (int, error) {
				if err := tk.ScheduleAfter(s, cvShort); err != nil {
					return 0, err
				}
				if err := events[0].Await(tk); err != nil {
					return 0, err
				}
				if err := untilWaiting(tk, s, func() bool { return events[1].IsSet() && events[2].IsSet() }); err != nil {
					return 0, err
				}
				cv.NotifyOne()
				return 0, nil
			}))
		}
		require.Equal(t, []int{1, 2, 3, 0, 0, 0}, run(t, append(tasks, notifiers...)...))
	})

	t.Run("wait(lock predicate) 3 waiters predicate notify_one", func(t *testing.T) {
		s := inlineSched(t)
		cv, m, _ := newPrims(t)
		var e atomic.Int64
		var tasks []*coro.Task[int]
		for i := range 3 {
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
				return locked(tk, m, func() (int, error) {
					if _, err := cv.AwaitPred(tk, bg, m, func() bool { return e.Load() > 0 }); err != nil {
						return 0, err
					}
					e.Add(-1)
					return i + 1, nil
				})
			}))
		}
		for range 3 {
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
				if err := tk.ScheduleAfter(s, cvShort); err != nil {
					return 0, err
				}
				if _, err := locked(tk, m, func() (int, error) { e.Add(1); return 0, nil }); err != nil {
					return 0, err
				}
				cv.NotifyOne()
				return 0, nil
			}))
		}
		require.Equal(t, []int{1, 2, 3, 0, 0, 0}, run(t, tasks...))
		require.Zero(t, e.Load())
	})

	// 311/312/319/320: three waiters count a latch down while holding the lock; a task awaiting the latch sets
	// an event; the notifier awaits it, optionally waits, and notifies all.
	threeNotifyAll := func(t *testing.T, wait func(tk *coro.T, s *coro.IOScheduler, cv *coro.ConditionVariable, m *coro.Mutex, id int) (int, error), notifyDelay time.Duration) []int {
		s := inlineSched(t)
		cv, m, e := newPrims(t)
		latch := coro.NewLatch(3)
		defer latch.Close()
		var tasks []*coro.Task[int]
		for i := range 3 {
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
				if err := tk.Schedule(s); err != nil {
					return 0, err
				}
				return locked(tk, m, func() (int, error) {
					if err := latch.CountDown(1); err != nil {
						return 0, err
					}
					return wait(tk, s, cv, m, i+1)
				})
			}))
		}
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
			if err := latch.Await(tk); err != nil {
				return 0, err
			}
			return 0, e.Set(coro.LIFO)
		}))
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
			if err := tk.Schedule(s); err != nil {
				return 0, err
			}
			if err := e.Await(tk); err != nil {
				return 0, err
			}
			if err := tk.YieldFor(s, notifyDelay); err != nil {
				return 0, err
			}
			cv.NotifyAll()
			return 0, nil
		}))
		return run(t, tasks...)[:3]
	}
	t.Run("wait(lock) 3 waiters notify_all", func(t *testing.T) {
		got := threeNotifyAll(t, func(tk *coro.T, _ *coro.IOScheduler, cv *coro.ConditionVariable, m *coro.Mutex, id int) (int, error) {
			return id, cv.Await(tk, m)
		}, cvShort)
		require.Equal(t, []int{1, 2, 3}, got)
	})
	t.Run("wait(lock predicate) 3 waiters predicate notify_all", func(t *testing.T) {
		got := threeNotifyAll(t, func(tk *coro.T, _ *coro.IOScheduler, cv *coro.ConditionVariable, m *coro.Mutex, id int) (int, error) {
			_, err := cv.AwaitPred(tk, bg, m, func() bool { return true })
			return id, err
		}, cvShort)
		require.Equal(t, []int{1, 2, 3}, got)
	})
	timedWaiter := func(d time.Duration) func(tk *coro.T, s *coro.IOScheduler, cv *coro.ConditionVariable, m *coro.Mutex, id int) (int, error) {
		return func(tk *coro.T, s *coro.IOScheduler, cv *coro.ConditionVariable, m *coro.Mutex, id int) (int, error) {
			st, err := cv.AwaitFor(tk, s, m, d)
			if st == coro.Timeout {
				return -id, err
			}
			return id, err
		}
	}
	t.Run("wait_for(s lock duration) 3 waiters with timeout notify_all no_timeout", func(t *testing.T) {
		require.Equal(t, []int{1, 2, 3}, threeNotifyAll(t, timedWaiter(cvLong), time.Millisecond))
	})
	t.Run("wait_for(s lock duration) 3 with notify_all timeout", func(t *testing.T) {
		require.Equal(t, []int{-1, -2, -3}, threeNotifyAll(t, timedWaiter(cvShort), cvLate))
	})

	// 314–318, 321–326: one timed waiter; the notifier waits notifyAfter, runs before() and notifies one.
	// The waiter returns 1 when its wait reported success, -1 otherwise.
	oneTimed := func(t *testing.T, wait func(tk *coro.T, s *coro.IOScheduler, cv *coro.ConditionVariable, m *coro.Mutex) (bool, error), notifyAfter time.Duration, before func()) []int {
		s := inlineSched(t)
		cv, m, _ := newPrims(t)
		var waiting atomic.Bool
		waiter := coro.NewTask(func(tk *coro.T) (int, error) {
			if err := tk.Schedule(s); err != nil {
				return 0, err
			}
			return locked(tk, m, func() (int, error) {
				waiting.Store(true)
				ok, err := wait(tk, s, cv, m)
				if ok {
					return 1, err
				}
				return -1, err
			})
		})
		notifier := coro.NewTask(func(tk *coro.T) (int, error) {
			if err := tk.Schedule(s); err != nil {
				return 0, err
			}
			if err := tk.YieldFor(s, notifyAfter); err != nil {
				return 0, err
			}
			if err := untilWaiting(tk, s, waiting.Load); err != nil {
				return 0, err
			}
			if before != nil {
				if _, err := locked(tk, m, func() (int, error) { before(); return 0, nil }); err != nil {
					return 0, err
				}
			}
			cv.NotifyOne()
			return 0, nil
		})
		return run(t, waiter, notifier)
	}
	status := func(d time.Duration, until bool) func(*coro.T, *coro.IOScheduler, *coro.ConditionVariable, *coro.Mutex) (bool, error) {
		return func(tk *coro.T, s *coro.IOScheduler, cv *coro.ConditionVariable, m *coro.Mutex) (bool, error) {
			var st coro.CVStatus
			var err error
			if until {
				st, err = cv.AwaitUntil(tk, s, m, time.Now().Add(d))
			} else {
				st, err = cv.AwaitFor(tk, s, m, d)
			}
			return st == coro.NoTimeout, err
		}
	}
	withPred := func(d time.Duration, until bool, stop context.Context, pred func() bool) func(*coro.T, *coro.IOScheduler, *coro.ConditionVariable, *coro.Mutex) (bool, error) {
		return func(tk *coro.T, s *coro.IOScheduler, cv *coro.ConditionVariable, m *coro.Mutex) (bool, error) {
			if until {
				return cv.AwaitUntilPred(tk, stop, s, m, time.Now().Add(d), pred)
			}
			return cv.AwaitForPred(tk, stop, s, m, d, pred)
		}
	}
	counting := func(c *atomic.Int64) func() bool { return func() bool { return c.Load() == 1 } }
	stopped := func(stop context.Context) func() bool { return func() bool { return stop.Err() != nil } }
	t.Run("wait_for(s lock duration) 1 waiter no_timeout", func(t *testing.T) {
		require.Equal(t, []int{1, 0}, oneTimed(t, status(cvLong, false), cvShort, nil))
	})
	t.Run("wait_for(s lock duration predicate) 1 waiter predicate no_timeout", func(t *testing.T) {
		var c atomic.Int64
		require.Equal(t, []int{1, 0}, oneTimed(t, withPred(cvLong, false, bg, counting(&c)), cvShort, func() { c.Add(1) }))
	})
	t.Run("wait_for(s lock stop_token duration predicate) 1 waiter predicate stop_token no_timeout", func(t *testing.T) {
		stop, requestStop := context.WithCancel(bg)
		defer requestStop()
		require.Equal(t, []int{1, 0}, oneTimed(t, withPred(cvLong, false, stop, stopped(stop)), cvShort, requestStop))
	})
	t.Run("wait_for(s lock duration) 1 waiter timeout", func(t *testing.T) {
		require.Equal(t, []int{-1, 0}, oneTimed(t, status(cvShort, false), cvLate, nil))
	})
	t.Run("wait_for(s lock duration predicate) 1 waiter predicate timeout", func(t *testing.T) {
		var c atomic.Int64
		require.Equal(t, []int{-1, 0}, oneTimed(t, withPred(cvShort, false, bg, counting(&c)), cvLate, func() { c.Add(1) }))
	})
	t.Run("wait_until(s lock time_point) 1 waiter no_timeout", func(t *testing.T) {
		require.Equal(t, []int{1, 0}, oneTimed(t, status(cvLong, true), cvShort, nil))
	})
	t.Run("wait_until(s lock time_point) 1 waiter timeout", func(t *testing.T) {
		require.Equal(t, []int{-1, 0}, oneTimed(t, status(cvShort, true), cvLate, nil))
	})
	t.Run("wait_until(s lock time_point predicate) 1 waiter predicate no_timeout", func(t *testing.T) {
		var c atomic.Int64
		require.Equal(t, []int{1, 0}, oneTimed(t, withPred(cvLong, true, bg, counting(&c)), cvShort, func() { c.Add(1) }))
	})
	t.Run("wait_until(s lock time_point predicate) 1 waiter predicate timeout", func(t *testing.T) {
		var c atomic.Int64
		require.Equal(t, []int{-1, 0}, oneTimed(t, withPred(cvShort, true, bg, counting(&c)), cvLate, func() { c.Add(1) }))
	})
	t.Run("wait_until(s lock stop_token time_point predicate) 1 waiter predicate stop_token no_timeout", func(t *testing.T) {
		stop, requestStop := context.WithCancel(bg)
		defer requestStop()
		require.Equal(t, []int{1, 0}, oneTimed(t, withPred(cvLong, true, stop, stopped(stop)), cvShort, requestStop))
	})
	t.Run("wait_until(s lock stop_token time_point predicate) 1 waiter predicate stop_token timeout", func(t *testing.T) {
		stop, requestStop := context.WithCancel(bg)
		defer requestStop()
		require.Equal(t, []int{-1, 0}, oneTimed(t, withPred(cvShort, true, stop, stopped(stop)), cvLate, requestStop))
	})

	t.Run("notify_all(executor)", func(t *testing.T) {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
		require.NoError(t, err)
		defer s.Close()
		cv, m, _ := newPrims(t)
		ready := coro.NewLatch(10)
		defer ready.Close()
		var tasks []*coro.Task[int]
		for id := 1; id <= 10; id++ {
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
				return locked(tk, m, func() (int, error) {
					if err := ready.CountDownOn(s, 1); err != nil {
						return 0, err
					}
					return id, cv.Await(tk, m)
				})
			}))
		}
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
			if err := ready.Await(tk); err != nil {
				return 0, err
			}
			if _, err := locked(tk, m, func() (int, error) { return 0, nil }); err != nil {
				return 0, err
			}
			return 0, cv.NotifyAllOn(s)
		}))
		sum := 0
		for _, v := range run(t, tasks...) {
			sum += v
		}
		require.Equal(t, 55, sum)
	})

	t.Run("notify_one(executor)", func(t *testing.T) {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
		require.NoError(t, err)
		defer s.Close()
		cv, m, _ := newPrims(t)
		// Every waiter is waiting before the first notification (upstream relies on a 20 ms head start).
		waiting := coro.NewLatch(5)
		defer waiting.Close()
		var counter atomic.Int64
		var tasks []*coro.Task[int]
		for range 5 {
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
				if err := tk.Schedule(s); err != nil {
					return 0, err
				}
				if _, err := locked(tk, m, func() (int, error) {
					if err := waiting.CountDown(1); err != nil {
						return 0, err
					}
					return 0, cv.Await(tk, m)
				}); err != nil {
					return 0, err
				}
				time.Sleep(100 * time.Millisecond) // blocks the thread it was resumed on
				counter.Add(1)
				return 0, nil
			}))
		}
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (int, error) {
			if err := waiting.Await(tk); err != nil {
				return 0, err
			}
			if err := tk.ScheduleAfter(s, 20*time.Millisecond); err != nil {
				return 0, err
			}
			if _, err := locked(tk, m, func() (int, error) { return 0, nil }); err != nil {
				return 0, err
			}
			for range 5 {
				if err := cv.NotifyOneOn(s); err != nil {
					return 0, err
				}
			}
			return 0, nil
		}))
		run(t, tasks...)
		require.EqualValues(t, 5, counter.Load())
	})
}

func TestConditionVariableGoroutines(t *testing.T) {
	cv, m := coro.NewConditionVariable(), coro.NewMutex()
	defer m.Close()
	ctx := context.Background()
	ready := 0
	done := make(chan bool, 3)
	for range 3 {
		go func() {
			if !assert.NoError(t, m.Lock(ctx)) {
				done <- false
				return
			}
			ok, err := cv.WaitPred(ctx, m, func() bool { return ready > 0 })
			assert.NoError(t, err)
			ready--
			assert.NoError(t, m.Unlock())
			done <- ok
		}()
	}
	for range 3 {
		require.NoError(t, m.Lock(ctx))
		ready++
		cv.NotifyOne() // with m held: the waiter takes it once it is released
		require.NoError(t, m.Unlock())
		require.True(t, <-done)
	}

	// Wait with a context that ends returns ctx.Err(), holding m again.
	require.NoError(t, m.Lock(ctx))
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, cv.Wait(cctx, m), context.DeadlineExceeded)
	require.False(t, m.TryLock())
	require.NoError(t, m.Unlock())

	// Waiting without holding m fails; Close releases waiters with ErrClosed (holding m).
	require.ErrorIs(t, cv.Wait(ctx, m), coro.ErrInvalid)
	errs := make(chan error, 1)
	go func() {
		if err := m.Lock(ctx); err != nil {
			errs <- err
			return
		}
		err := cv.Wait(ctx, m)
		_ = m.Unlock()
		errs <- err
	}()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, cv.Close())
	require.ErrorIs(t, <-errs, coro.ErrClosed)
	require.NoError(t, m.Lock(ctx))
	require.ErrorIs(t, cv.Wait(ctx, m), coro.ErrClosed)
	require.NoError(t, m.Unlock())

	var zero coro.ConditionVariable
	require.ErrorIs(t, zero.Wait(ctx, m), coro.ErrInvalid)
	zero.NotifyAll()
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

// Task bodies and goroutines consume tokens that goroutines hand out one NotifyOne each: with the state changed
// under the mutex, no wake-up is lost, whoever waits.
func TestConditionVariableNoLostWakeups(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	require.NoError(t, err)
	defer tp.Close()
	cv, m := coro.NewConditionVariable(), coro.NewMutex()
	defer cv.Close()
	defer m.Close()
	const consumers, each = 8, 100
	tokens, taken := 0, 0
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var tasks []coro.AnyTask
	for range consumers / 2 {
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			for range each {
				if err := m.AwaitLock(tk); err != nil {
					return struct{}{}, err
				}
				if _, err := cv.AwaitPred(tk, context.Background(), m, func() bool { return tokens > 0 }); err != nil {
					return struct{}{}, err
				}
				tokens--
				taken++
				if err := m.Unlock(); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		}))
	}
	errs := make(chan error, consumers/2)
	for range consumers / 2 {
		go func() {
			for range each {
				if err := m.Lock(ctx); err != nil {
					errs <- err
					return
				}
				if _, err := cv.WaitPred(ctx, m, func() bool { return tokens > 0 }); err != nil {
					_ = m.Unlock()
					errs <- err
					return
				}
				tokens--
				taken++
				_ = m.Unlock()
			}
			errs <- nil
		}()
	}
	go func() {
		for i := 0; i < consumers*each; i++ {
			if m.Lock(ctx) != nil {
				return
			}
			tokens++
			_ = m.Unlock()
			if i%2 == 0 {
				cv.NotifyOne()
			} else {
				_ = cv.NotifyOneOn(tp)
			}
		}
	}()
	_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(tk, tasks...) }))
	require.NoError(t, err)
	for range consumers / 2 {
		require.NoError(t, <-errs)
	}
	require.NoError(t, m.Lock(ctx))
	require.Equal(t, consumers*each, taken)
	require.Zero(t, tokens)
	require.NoError(t, m.Unlock())
}
