package coro_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// A goroutine body that never awaits finishes inside Start.
func TestStartBodyWithoutAwaitFinishesInside(t *testing.T) {
	task := coro.NewTask(func(*coro.T) (int, error) { return 5, nil })
	require.NoError(t, task.Start())
	require.True(t, task.Done())
	v, err := task.Result()
	require.NoError(t, err)
	require.Equal(t, 5, v)
	require.ErrorIs(t, task.Start(), coro.ErrTaskBusy, "a task starts once")
}

// The body's first step counts as running on the thread that called Start; after an await it reports the thread
// that resumed it, and a panic after the first await still comes back as the task's error.
func TestStartBodyFirstStepThread(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	// The pool's worker thread, as a task running there sees it (a Schedule function runs on a guest goroutine).
	poolTID, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
		err := tk.Schedule(tp)
		return tk.ThreadID(), err
	}))
	require.NoError(t, err)

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	caller := syscall.Gettid()
	var first, after int
	task := coro.NewTask(func(tk *coro.T) (struct{}, error) {
		first = tk.ThreadID()
		if err := tk.Schedule(tp); err != nil {
			return struct{}{}, err
		}
		after = tk.ThreadID()
		panic("after the await")
	})
	require.NoError(t, task.Start())
	_, err = coro.SyncWait(context.Background(), task)
	var pe *coro.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, caller, first)
	require.Equal(t, poolTID, after)
}
