// Parity scenarios of parity-scenarios.md for coro::thread_pool, driven through package coro. Subtest names are
// the scenarios' exact strings.
package gotest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestThreadPool(t *testing.T) {
	ctx := context.Background()

	t.Run("thread_pool one worker one task", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()

		result, err := coro.Schedule(ctx, tp, func(context.Context) (uint64, error) { return 42, nil })
		require.NoError(t, err)
		require.Equal(t, uint64(42), result)
	})

	t.Run("thread_pool shutdown", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		require.NoError(t, tp.Close())

		// libcoro: schedule() throws after shutdown; here every operation reports ErrClosed.
		thrown := false
		_, err = coro.Schedule(ctx, tp, func(context.Context) (bool, error) { return false, nil })
		if err != nil {
			thrown = true
		}
		require.True(t, thrown)
		require.ErrorIs(t, err, coro.ErrClosed)
		require.ErrorIs(t, tp.Spawn(func() {}), coro.ErrClosed)
		require.NoError(t, tp.Close(), "a second Close is harmless")
	})

	require.Zero(t, coro.LiveHandles())
}

func TestMain(m *testing.M) {
	code := m.Run()
	if coro.LiveHandles() != 0 {
		panic(errors.New("handles leaked across the suite"))
	}
	if code != 0 {
		panic("tests failed")
	}
}
