package coro_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Issue 20 #11: the zero SharedMutex crashed in C. Every method reports ErrInvalid instead.
func TestSharedMutexZeroValueIsInvalid(t *testing.T) {
	var m coro.SharedMutex
	require.False(t, m.TryLock())
	require.False(t, m.TryLockShared())
	require.ErrorIs(t, m.Lock(context.Background()), coro.ErrInvalid)
	require.ErrorIs(t, m.LockShared(context.Background()), coro.ErrInvalid)
	require.ErrorIs(t, m.Unlock(), coro.ErrInvalid)
	require.ErrorIs(t, m.UnlockShared(), coro.ErrInvalid)
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
		if err := m.AwaitLock(tk); err != nil {
			return 0, err
		}
		return 0, nil
	}))
	require.ErrorIs(t, err, coro.ErrInvalid)
	_, err = coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
		return 0, m.AwaitLockShared(tk)
	}))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, m.Close(), coro.ErrInvalid)
}

// A zero (or nil) executor is refused when the SharedMutex is made.
func TestNewSharedMutexRejectsZeroExecutors(t *testing.T) {
	_, err := coro.NewSharedMutex(&coro.ThreadPool{})
	require.ErrorIs(t, err, coro.ErrInvalid)
	_, err = coro.NewSharedMutex(&coro.IOScheduler{})
	require.ErrorIs(t, err, coro.ErrInvalid)
}
