package coro_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Issue 20 #11: `var m coro.Mutex; m.Lock(ctx)` crashed in C. Every method of the zero Mutex reports ErrInvalid.
func TestMutexZeroValueIsInvalid(t *testing.T) {
	var m coro.Mutex
	require.False(t, m.TryLock())
	require.ErrorIs(t, m.Lock(context.Background()), coro.ErrInvalid)
	require.ErrorIs(t, m.Unlock(), coro.ErrInvalid)
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
		return 0, m.AwaitLock(tk)
	}))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, m.Close(), coro.ErrInvalid)
	require.ErrorIs(t, m.Lock(context.Background()), coro.ErrInvalid, "still invalid after Close")
}
