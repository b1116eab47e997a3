// Parity scenario 262 (libcoro v0.16 test_mutex.cpp, "mutex lock": lock() without a lock object).
package gotest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestMutexV16(t *testing.T) {
	t.Run("mutex lock", func(t *testing.T) {
		m := coro.NewMutex()
		defer m.Close()
		var tryWhileHeld, tryAfterUnlock bool
		_, err := coro.SyncWait(context.Background(), run(func(tk *coro.T) error {
			if err := m.AwaitLock(tk); err != nil {
				return err
			}
			tryWhileHeld = m.TryLock()
			if err := m.Unlock(); err != nil {
				return err
			}
			tryAfterUnlock = m.TryLock() // left locked, as upstream
			return nil
		}))
		require.NoError(t, err)
		require.False(t, tryWhileHeld)
		require.True(t, tryAfterUnlock)
		require.False(t, m.TryLock(), "the task left the mutex locked")
		require.NoError(t, m.Unlock())
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
