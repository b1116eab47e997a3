package coro_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Issue 20 #16: NewIOScheduler accepted strategies that do not exist (ThreadStrategy 7, ExecutionStrategy -3).
func TestNewIOSchedulerRejectsUnknownStrategies(t *testing.T) {
	for _, opts := range []coro.IOSchedulerOptions{
		{ThreadStrategy: 7},
		{ThreadStrategy: -1},
		{ExecutionStrategy: -3},
		{ExecutionStrategy: 2},
		{ThreadStrategy: coro.ManualThread, ExecutionStrategy: 9},
	} {
		s, err := coro.NewIOScheduler(opts)
		require.ErrorIs(t, err, coro.ErrInvalid, "%+v", opts)
		require.Nil(t, s)
	}
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread, ExecutionStrategy: coro.TasksInline})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

// Issue 20 #11: the zero IOScheduler crashed in C. Every method reports ErrInvalid instead.
func TestIOSchedulerZeroValueIsInvalid(t *testing.T) {
	var s coro.IOScheduler
	require.Zero(t, s.Size())
	require.ErrorIs(t, s.Spawn(func() {}), coro.ErrInvalid)
	_, err := s.ProcessEvents(0)
	require.ErrorIs(t, err, coro.ErrInvalid)
	_, err = coro.Schedule(context.Background(), &s, func(context.Context) (int, error) { return 1, nil })
	require.ErrorIs(t, err, coro.ErrInvalid)
	for _, body := range []func(tk *coro.T) error{
		func(tk *coro.T) error { return tk.Schedule(&s) },
		func(tk *coro.T) error { return tk.Yield(&s) },
		func(tk *coro.T) error { return tk.YieldFor(&s, time.Millisecond) },
		func(tk *coro.T) error { _, err := tk.Poll(&s, 0, coro.PollRead, time.Millisecond); return err },
	} {
		_, err = coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) { return 0, body(tk) }))
		require.ErrorIs(t, err, coro.ErrInvalid)
	}
	_, err = coro.SyncWait(context.Background(), coro.ScheduleTask(&s, coro.NewFunc(func() (int, error) { return 1, nil })))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, s.NotifyWhenReady(0, coro.PollRead, 0, func(coro.PollStatus, error) {}), coro.ErrInvalid)
	require.ErrorIs(t, s.Close(), coro.ErrInvalid)
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
