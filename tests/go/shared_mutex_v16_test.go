// Parity scenarios 266 and 268 (libcoro v0.16 test_shared_mutex.cpp): the critical section is a task of its own,
// run while the lock is held (scoped_lock(task) / scoped_lock_shared(task)).
package gotest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// parity-note: "mutex single waiter not locked exclusive with shared scoped lock": Go has no scoped_lock(task); the body takes the lock, awaits the critical-section task with coro.Await and unlocks, which is what scoped_lock(task) does.
// parity-note: "mutex single waiter not locked shared shared scope lock": Go has no scoped_lock_shared(task); the body takes a shared hold, awaits the critical-section task with coro.Await and drops the hold, which is what scoped_lock_shared(task) does.

func TestSharedMutexV16(t *testing.T) {
	ctx := context.Background()
	none := struct{}{}

	// scenario runs critical under lock/unlock, then upstream's epilogue: try_lock until it succeeds (yielding to
	// the pool), unlock; after the pool's shutdown try_lock_shared and try_lock both succeed.
	scenario := func(t *testing.T, shared bool, critical func(m *coro.SharedMutex) *coro.Task[struct{}]) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()
		m, err := coro.NewSharedMutex(tp)
		require.NoError(t, err)
		defer m.Close()
		lock, unlock := m.AwaitLock, m.Unlock
		if shared {
			lock, unlock = m.AwaitLockShared, m.UnlockShared
		}
		_, err = coro.SyncWait(ctx, run(func(tk *coro.T) error {
			if err := lock(tk); err != nil {
				return err
			}
			if _, err := coro.Await(tk, critical(m)); err != nil {
				return err
			}
			if err := unlock(); err != nil {
				return err
			}
			for !m.TryLock() {
				if err := tk.Yield(tp); err != nil {
					return err
				}
			}
			return m.Unlock()
		}))
		require.NoError(t, err)
		require.NoError(t, tp.Close())
		require.True(t, m.TryLockShared())
		require.NoError(t, m.UnlockShared())
		require.True(t, m.TryLock())
		require.NoError(t, m.Unlock())
	}

	t.Run("mutex single waiter not locked exclusive with shared scoped lock", func(t *testing.T) {
		var output []uint64
		var tries []bool
		scenario(t, false, func(m *coro.SharedMutex) *coro.Task[struct{}] {
			return coro.NewTask(func(*coro.T) (struct{}, error) {
				tries = append(tries, m.TryLock(), m.TryLockShared()) // both false: held exclusively
				output = append(output, 1)
				return none, nil
			})
		})
		require.Equal(t, []bool{false, false}, tries)
		require.Equal(t, []uint64{1}, output)
	})

	t.Run("mutex single waiter not locked shared shared scope lock", func(t *testing.T) {
		var output []uint64
		var tries []bool
		scenario(t, true, func(m *coro.SharedMutex) *coro.Task[struct{}] {
			return coro.NewTask(func(*coro.T) (struct{}, error) {
				tries = append(tries, m.TryLock())       // false: shared-held
				tries = append(tries, m.TryLockShared()) // true: a second shared holder
				output = append(output, 1)
				return none, m.UnlockShared() // balances the try
			})
		})
		require.Equal(t, []bool{false, true}, tries)
		require.Equal(t, []uint64{1}, output)
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
