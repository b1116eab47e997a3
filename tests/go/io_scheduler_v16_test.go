// Parity scenarios 410 and 446 (libcoro v0.16 test_scheduler.cpp, new cases); the renamed io_scheduler cases
// (387–409) share the v0.14 tests in io_scheduler_test.go.
package gotest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestSchedulerV16(t *testing.T) {
	// parity-note: "scheduler shutdown with background yielding task": spawn_detached is Start of the task ScheduleTask returns; Close must return within 10 s, and the pending yield_for ends with ErrClosed (or nil if its 20 ms passed first).
	t.Run("scheduler shutdown with background yielding task", func(t *testing.T) {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		task := coro.ScheduleTask(s, run(func(tk *coro.T) error { return tk.YieldFor(s, 20*time.Millisecond) }))
		require.NoError(t, task.Start())
		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		select {
		case err := <-closed:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Close hangs with a task yielding in the background")
		}
		waitUntil(t, task.Done)
		if _, err := task.Result(); err != nil && !errors.Is(err, coro.ErrClosed) {
			t.Fatalf("background task: %v", err)
		}
	})

	t.Run("scheduler schedule with <= 0ms timeout", func(t *testing.T) {
		s := newScheduler(t, coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
		value := func(v int) *coro.Task[int] {
			return coro.NewTask(func(*coro.T) (int, error) { return v, nil })
		}
		for _, c := range []struct {
			timeout time.Duration
			want    int
		}{{0, 1}, {-time.Millisecond, 2}} {
			v, err := coro.SyncWait(context.Background(), coro.ScheduleTimeout(s, value(c.want), c.timeout, nil))
			require.NoError(t, err, "timeout %v: no timer, the task's result", c.timeout)
			require.Equal(t, c.want, v)
		}
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
