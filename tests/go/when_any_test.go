// Parity scenarios 77–83 (coro::when_any) through package coro.
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
		time.Sleep(250 * time.Millisecond)
		require.True(t, tasks[0].Done())
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

	t.Run("when_any io_scheduler::schedule(task, timeout)", func(t *testing.T) {
		s := newScheduler(t, coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
		task := func(d time.Duration) *coro.Task[int64] {
			return coro.NewTask(func(tk *coro.T) (int64, error) { return 1, tk.YieldFor(s, d) })
		}
		v, err := coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, task(timerQuick), timerGap, nil))
		require.NoError(t, err)
		require.Equal(t, int64(1), v)
		_, err = coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, task(timerGap), timerQuick, nil))
		require.ErrorIs(t, err, coro.ErrTimeout)
		time.Sleep(timerGap)
	})

	t.Run("when_any io_scheduler::schedule(task, timeout stop_token)", func(t *testing.T) {
		s := newScheduler(t, coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
		task := func(ctx context.Context, d time.Duration) *coro.Task[int64] {
			return coro.NewTask(func(tk *coro.T) (int64, error) {
				if err := tk.YieldFor(s, d); err != nil {
					return 0, err
				}
				if ctx.Err() != nil {
					return -1, nil
				}
				return 1, nil
			})
		}
		ctx, cancel := context.WithCancel(context.Background())
		v, err := coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, task(ctx, timerQuick), timerGap, cancel))
		require.NoError(t, err)
		require.Equal(t, int64(1), v)
		ctx, cancel = context.WithCancel(context.Background())
		_, err = coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, task(ctx, timerGap), timerQuick, cancel))
		require.ErrorIs(t, err, coro.ErrTimeout)
		require.Error(t, ctx.Err(), "the stop was requested once the timeout won")
		time.Sleep(timerGap)
	})

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
