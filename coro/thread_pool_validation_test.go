package coro_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Issue 20 #11: a zero ThreadPool accepted Spawn and never ran the function. Every method refuses with ErrInvalid.
func TestThreadPoolZeroValueIsInvalid(t *testing.T) {
	var p coro.ThreadPool
	require.Zero(t, p.ThreadCount())
	require.Zero(t, p.Size())
	require.ErrorIs(t, p.Spawn(func() {}), coro.ErrInvalid)
	_, err := coro.Schedule(context.Background(), &p, func(context.Context) (int, error) { return 1, nil })
	require.ErrorIs(t, err, coro.ErrInvalid)
	for _, body := range []func(tk *coro.T) error{
		func(tk *coro.T) error { return tk.Schedule(&p) },
		func(tk *coro.T) error { return tk.Yield(&p) },
	} {
		_, err = coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) { return 0, body(tk) }))
		require.ErrorIs(t, err, coro.ErrInvalid)
	}
	_, err = coro.SyncWait(context.Background(), coro.ScheduleTask(&p, coro.NewFunc(func() (int, error) { return 1, nil })))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, p.Close(), coro.ErrInvalid)
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
