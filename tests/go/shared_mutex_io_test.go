// Parity scenario 46: coro::shared_mutex<io_scheduler> with many shared and exclusive waiters interleaved.
package gotest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestSharedMutexIOScheduler(t *testing.T) {
	t.Run("mutex many shared and exclusive waiters interleaved", func(t *testing.T) {
		s := newScheduler(t, coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 8}})
		m, err := coro.NewSharedMutex(s)
		require.NoError(t, err)
		defer m.Close()

		var readDone atomic.Bool // set by the exclusive holder; readers report what they saw
		var readers []*coro.Task[bool]

		exclusive := run(func(tk *coro.T) error {
			if err := tk.YieldFor(s, 50*time.Millisecond); err != nil {
				return err
			}
			if err := m.AwaitLock(tk); err != nil {
				return err
			}
			err := tk.YieldFor(s, 50*time.Millisecond) // hold it while readers queue behind us
			readDone.Store(true)
			if uerr := m.Unlock(); err == nil {
				err = uerr
			}
			return err
		})

		driver := run(func(tk *coro.T) error {
			if err := tk.Schedule(s); err != nil {
				return err
			}
			for {
				reader := coro.NewTask(func(tk *coro.T) (bool, error) {
					if err := tk.Schedule(s); err != nil {
						return false, err
					}
					if err := m.AwaitLockShared(tk); err != nil {
						return false, err
					}
					value := readDone.Load()
					return value, m.UnlockShared()
				})
				readers = append(readers, reader)
				if err := reader.Start(); err != nil {
					return err
				}
				if err := tk.YieldFor(s, time.Millisecond); err != nil {
					return err
				}
				// Stop once a finished reader saw the exclusive holder's write (writer preference let it in).
				sawWrite := false
				for _, r := range readers {
					if v, err := r.Result(); err == nil && v {
						sawWrite = true
						break
					}
				}
				if sawWrite {
					break
				}
			}
			// Done, not a counter bumped in the body: a body that returned is not yet a finished task (Result).
			for _, r := range readers {
				for !r.Done() {
					if err := tk.YieldFor(s, time.Millisecond); err != nil {
						return err
					}
				}
			}
			return nil
		})

		whenAll(t, []*coro.Task[struct{}]{driver, exclusive})
		require.True(t, readDone.Load())
		for _, r := range readers {
			_, err := r.Result()
			require.NoError(t, err)
		}
	})
}
