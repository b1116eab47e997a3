package coro_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Issue 20 #11: the zero Latch crashed in C. Every method reports ErrInvalid instead.
func TestLatchZeroValueIsInvalid(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	var l coro.Latch
	require.False(t, l.IsReady())
	require.Zero(t, l.Remaining())
	require.ErrorIs(t, l.CountDown(1), coro.ErrInvalid)
	require.ErrorIs(t, l.CountDownOn(tp, 1), coro.ErrInvalid)
	require.ErrorIs(t, l.Wait(context.Background()), coro.ErrInvalid)
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
		return 0, l.Await(tk)
	}))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, l.Close(), coro.ErrInvalid)

	real := coro.NewLatch(1)
	defer real.Close()
	require.ErrorIs(t, real.CountDownOn(&coro.ThreadPool{}, 1), coro.ErrInvalid)
	require.ErrorIs(t, real.CountDownOn(nil, 1), coro.ErrInvalid)
	require.False(t, real.IsReady())
}

// Issue 20 #14: two CountDown(MaxInt64) wrapped the counter around to 3 (IsReady true, Remaining 3).
func TestLatchCountDownSaturatesInsteadOfWrapping(t *testing.T) {
	l := coro.NewLatch(1)
	defer l.Close()
	require.NoError(t, l.CountDown(math.MaxInt64))
	require.NoError(t, l.CountDown(math.MaxInt64))
	require.NoError(t, l.CountDown(math.MaxInt64))
	require.True(t, l.IsReady())
	require.EqualValues(t, int64(math.MinInt64), l.Remaining())
	require.NoError(t, l.Wait(context.Background()))

	l2 := coro.NewLatch(2)
	defer l2.Close()
	require.ErrorIs(t, l2.CountDown(-1), coro.ErrInvalid, "counting up is refused")
	require.EqualValues(t, 2, l2.Remaining())
	require.NoError(t, l2.CountDown(0))
	require.EqualValues(t, 2, l2.Remaining())
	require.False(t, l2.IsReady())
}
