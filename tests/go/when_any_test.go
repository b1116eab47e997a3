// Parity scenarios 77–83 (coro::when_any) through package coro, with v0.16's 372–373 (the same timeout races).
package gotest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// whenAnyOf runs coro.WhenAny over tasks from a fresh task and returns the winner's index.
func whenAnyOf(t *testing.T, tasks ...coro.AnyTask) int {
	t.Helper()
	return syncWait(t, coro.NewTask(func(tk *coro.T) (int, error) { return coro.WhenAny(tk, tasks...) }))
}

// The timer races below order a quick timer before a slow one; the gap is wide so that a loaded machine (CI, -race)
// cannot reorder them. Upstream's scenarios use 10 ms against 50 ms.
const (
	timerQuick = 10 * time.Millisecond
	timerGap   = 300 * time.Millisecond
)

func TestWhenAny(t *testing.T) {
	t.Run("when_any two tasks", func(t *testing.T) {
		value := func(v uint64) *coro.Task[uint64] {
			return coro.NewTask(func(*coro.T) (uint64, error) { return v, nil })
		}
		tasks := []*coro.Task[uint64]{value(1), value(2)}
		winner := whenAnyOf(t, tasks[0], tasks[1])
		v, err := tasks[winner].Result()
		require.NoError(t, err)
		require.Equal(t, uint64(1), v)
	})

	t.Run("when_any two tasks one long running", func(t *testing.T) {
		s := sched1(t)
		task := func(v uint64) *coro.Task[uint64] {
			return coro.NewTask(func(tk *coro.T) (uint64, error) {
				if err := tk.Schedule(s); err != nil {
					return 0, err
				}
				if v == 1 {
					if err := tk.YieldFor(s, 100*time.Millisecond); err != nil {
						return 0, err
					}
				}
				return v, nil
			})
		}
		tasks := []*coro.Task[uint64]{task(1), task(2)}
		winner := whenAnyOf(t, tasks[0], tasks[1])
		v, _ := tasks[winner].Result()
		require.Equal(t, uint64(2), v)
		time.Sleep(250 * time.Millisecond)
	})

	t.Run("when_any two tasks one long running with cancellation", func(t *testing.T) {
		s := sched1(t)
		ctx, cancel := context.WithCancel(context.Background())
		var cancelledMessage string
		task := func(v uint64) *coro.Task[uint64] {
			return coro.NewTask(func(tk *coro.T) (uint64, error) {
				if err := tk.Schedule(s); err != nil {
					return 0, err
				}
				if v == 1 {
					if err := tk.YieldFor(s, 100*time.Millisecond); err != nil {
						return 0, err
					}
					if ctx.Err() != nil {
						cancelledMessage = "task was cancelled"
					}
				}
				return v, nil
			})
		}
		tasks := []*coro.Task[uint64]{task(1), task(2)}
		winner := syncWait(t, coro.NewTask(func(tk *coro.T) (int, error) {
			return coro.WhenAnyCancel(tk, cancel, tasks[0], tasks[1])
		}))
		v, _ := tasks[winner].Result()
		require.Equal(t, uint64(2), v)
		// The loser still runs its 100 ms to the end (generous bound: a loaded machine delays the timer).
		require.Eventually(t, tasks[0].Done, 10*time.Second, 5*time.Millisecond)
		v, _ = tasks[0].Result()
		require.Equal(t, uint64(1), v)
		require.Equal(t, "task was cancelled", cancelledMessage)
	})

	t.Run("when_any timeout", func(t *testing.T) {
		s := newScheduler(t, coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
		race := func(d time.Duration) int64 {
			long := coro.NewTask(func(tk *coro.T) (int64, error) {
				if err := tk.Schedule(s); err != nil {
					return 0, err
				}
				return 1, tk.YieldFor(s, d)
			})
			timeout := coro.NewTask(func(tk *coro.T) (int64, error) {
				return -1, tk.ScheduleAfter(s, timerGap)
			})
			tasks := []*coro.Task[int64]{long, timeout}
			winner := whenAnyOf(t, long, timeout)
			v, err := tasks[winner].Result()
			require.NoError(t, err)
			return v
		}
		require.Equal(t, int64(1), race(timerQuick))
		require.Equal(t, int64(-1), race(2*timerGap))
		time.Sleep(2 * timerGap) // let the losers finish before the scheduler closes
	})

	t.Run("when_any io_scheduler::schedule(task, timeout)", scheduleTimeoutRace)
	t.Run("when_any io_scheduler::schedule(task, timeout stop_token)", func(t *testing.T) { scheduleTimeoutStopRace(t, false) })
	// parity-note: "when_any scheduler::schedule(task, timeout)": v0.14 #81's test (which waits until the scheduler is empty, the check v0.16 adds; 10 ms against 300 ms instead of 200 ms).
	t.Run("when_any scheduler::schedule(task, timeout)", scheduleTimeoutRace)
	// parity-note: "when_any scheduler::schedule(task, timeout stop_token)": v0.14 #82's test with v0.16's second yield_for of the stopped loser, waiting until the scheduler is empty (10 ms against 300 ms instead of 200 ms).
	t.Run("when_any scheduler::schedule(task, timeout stop_token)", func(t *testing.T) { scheduleTimeoutStopRace(t, true) })

	t.Run("when_any tuple multiple", func(t *testing.T) {
		s := newScheduler(t, coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 4}})
		after := func(d time.Duration) func(tk *coro.T) error {
			return func(tk *coro.T) error { return tk.ScheduleAfter(s, d) }
		}
		for expected := 0; expected < 3; expected++ {
			delay := func(i int) time.Duration {
				if i == expected {
					return timerQuick
				}
				return timerGap
			}
			ti := coro.NewTask(func(tk *coro.T) (int, error) { return 1, after(delay(0))(tk) })
			tf := coro.NewTask(func(tk *coro.T) (float64, error) { return 3.14, after(delay(1))(tk) })
			ts := coro.NewTask(func(tk *coro.T) (string, error) { return "hello world", after(delay(2))(tk) })
			winner := whenAnyOf(t, ti, tf, ts)
			require.Equal(t, expected, winner)
			switch winner {
			case 0:
				v, _ := ti.Result()
				require.Equal(t, 1, v)
			case 1:
				v, _ := tf.Result()
				require.Equal(t, 3.14, v)
			case 2:
				v, _ := ts.Result()
				require.Equal(t, "hello world", v)
			}
			time.Sleep(timerGap + timerQuick)
		}
	})

	t.Run("when_any rejects a running task", func(t *testing.T) {
		e := coro.NewEvent(false)
		defer e.Close()
		busy := coro.NewTask(func(tk *coro.T) (int, error) { return 0, e.Await(tk) })
		require.NoError(t, busy.Start())
		_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) { return coro.WhenAny(tk, busy) }))
		require.True(t, errors.Is(err, coro.ErrTaskBusy))
		require.NoError(t, e.Set(coro.LIFO))
	})

	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// scheduleTimeoutRace races a task yielding d against ScheduleTimeout's timer: the quick task wins with its
// value, the slow one loses to ErrTimeout and still runs to its end (the scheduler empties).
func scheduleTimeoutRace(t *testing.T) {
	s := newScheduler(t, coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	task := func(d time.Duration) *coro.Task[int64] {
		return coro.NewTask(func(tk *coro.T) (int64, error) { return 1, tk.YieldFor(s, d) })
	}
	v, err := coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, task(timerQuick), timerGap, nil))
	require.NoError(t, err)
	require.Equal(t, int64(1), v)
	slow := task(timerGap)
	_, err = coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, slow, timerQuick, nil))
	require.ErrorIs(t, err, coro.ErrTimeout)
	waitUntil(t, func() bool { return slow.Done() && s.Size() == 0 })
	v, err = slow.Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), v, "the loser is not stopped")
}

// scheduleTimeoutStopRace is scheduleTimeoutRace through the stop_source overload: once the timeout wins, the
// task's context is cancelled and it returns -1 (after yielding once more if yieldAgain, as v0.16's task does).
func scheduleTimeoutStopRace(t *testing.T, yieldAgain bool) {
	s := newScheduler(t, coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	task := func(ctx context.Context, d time.Duration) *coro.Task[int64] {
		return coro.NewTask(func(tk *coro.T) (int64, error) {
			if err := tk.YieldFor(s, d); err != nil {
				return 0, err
			}
			if ctx.Err() == nil {
				return 1, nil
			}
			if yieldAgain {
				if err := tk.YieldFor(s, d); err != nil {
					return 0, err
				}
			}
			return -1, nil
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	v, err := coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, task(ctx, timerQuick), timerGap, cancel))
	require.NoError(t, err)
	require.Equal(t, int64(1), v)
	ctx, cancel = context.WithCancel(context.Background())
	slow := task(ctx, timerGap)
	_, err = coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, slow, timerQuick, cancel))
	require.ErrorIs(t, err, coro.ErrTimeout)
	require.Error(t, ctx.Err(), "the stop was requested once the timeout won")
	waitUntil(t, func() bool { return slow.Done() && s.Size() == 0 })
	v, err = slow.Result()
	require.NoError(t, err)
	require.Equal(t, int64(-1), v, "the loser saw the stop request")
}
