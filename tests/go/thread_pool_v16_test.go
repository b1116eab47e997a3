// Parity scenario 342 (libcoro v0.16 test_thread_pool.cpp): a task handed to the pool by hand (tp->resume(handle))
// runs there while the caller goes on, and its result is read afterwards.
package gotest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// parity-note: "thread_pool::schedule(task) manually resume returned task": tp->resume(task.handle()) is Start of the task ScheduleTask returns (it moves onto the pool at once); readiness is polled for up to 5 s instead of one 500 ms sleep.
func TestThreadPoolV16(t *testing.T) {
	t.Run("thread_pool::schedule(task) manually resume returned task", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		var poolThread int
		task := coro.ScheduleTask(tp, coro.NewTask(func(tk *coro.T) (bool, error) {
			poolThread = tk.ThreadID()
			time.Sleep(200 * time.Millisecond)
			return true, nil
		}))
		require.NoError(t, task.Start())
		require.False(t, task.Done(), "Start returns once the task moved onto the pool")
		waitUntil(t, task.Done)
		v, err := coro.SyncWait(context.Background(), task)
		require.NoError(t, err)
		require.True(t, v)
		require.NotZero(t, poolThread)
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
