package coro_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Issue 20 #11: the zero Semaphore crashed in C. Every method reports ErrInvalid instead.
func TestSemaphoreZeroValueIsInvalid(t *testing.T) {
	var s coro.Semaphore
	require.Zero(t, s.Max())
	require.Zero(t, s.Value())
	require.False(t, s.TryAcquire())
	require.ErrorIs(t, s.Release(), coro.ErrInvalid)
	require.ErrorIs(t, s.Acquire(context.Background()), coro.ErrInvalid)
	require.ErrorIs(t, s.NotifyWaiters(), coro.ErrInvalid)
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
		return 0, s.AwaitAcquire(tk)
	}))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, s.Close(), coro.ErrInvalid)
}

// Issue 20 #14: NewSemaphore(-5, 3) was accepted.
func TestNewSemaphoreRejectsBadArguments(t *testing.T) {
	for _, c := range []struct{ max, initial int64 }{{-5, 3}, {0, 0}, {math.MinInt64, 0}, {3, -1}} {
		s, err := coro.NewSemaphore(c.max, c.initial)
		require.ErrorIs(t, err, coro.ErrInvalid, "NewSemaphore(%d, %d)", c.max, c.initial)
		require.Nil(t, s)
		s, err = coro.NewClampedSemaphore(c.max, c.initial)
		require.ErrorIs(t, err, coro.ErrInvalid, "NewClampedSemaphore(%d, %d)", c.max, c.initial)
		require.Nil(t, s)
	}
	s, err := coro.NewSemaphore(3, 5)
	require.NoError(t, err)
	require.EqualValues(t, 3, s.Value(), "the starting value is clamped to max")
	require.NoError(t, s.Close())
}

// Issue 20 #14: Release on a counter at MaxInt64 wrapped it to a negative value.
func TestSemaphoreReleaseDoesNotWrapAtMaxInt64(t *testing.T) {
	s, err := coro.NewSemaphore(math.MaxInt64, math.MaxInt64)
	require.NoError(t, err)
	defer s.Close()
	require.ErrorIs(t, s.Release(), coro.ErrInvalid)
	require.EqualValues(t, int64(math.MaxInt64), s.Value())
	require.True(t, s.TryAcquire())
	require.NoError(t, s.Release())
	require.EqualValues(t, int64(math.MaxInt64), s.Value())
}
