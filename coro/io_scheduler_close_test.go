package coro_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Close does not wait for timers: a task body in YieldFor (even an endless one) or ScheduleAt gets ErrClosed at
// once, and so does one that starts waiting after Close began.
func TestIOSchedulerCloseCancelsPendingTimers(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts coro.IOSchedulerOptions
	}{
		{"pool", coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}}},
		{"inline", coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := coro.NewIOScheduler(tc.opts)
			require.NoError(t, err)
			waits := []func(*coro.T) error{
				func(tk *coro.T) error { return tk.YieldFor(s, math.MaxInt64) },
				func(tk *coro.T) error { return tk.ScheduleAfter(s, time.Hour) },
				func(tk *coro.T) error { return tk.ScheduleAt(s, time.Now().Add(24*time.Hour)) },
			}
			const each = 50
			errs := make(chan error, each*len(waits))
			for i := 0; i < each; i++ {
				for _, wait := range waits {
					go func() {
						_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
							return struct{}{}, wait(tk)
						}))
						errs <- err
					}()
				}
			}
			require.Eventually(t, func() bool { return s.Size() >= each*len(waits) }, 10*time.Second, time.Millisecond)

			closed := make(chan error, 1)
			go func() { closed <- s.Close() }()
			select {
			case err := <-closed:
				require.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Fatal("Close waits for pending timers")
			}
			for i := 0; i < each*len(waits); i++ {
				require.ErrorIs(t, <-errs, coro.ErrClosed)
			}
			_, err = coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
				return struct{}{}, tk.YieldFor(s, time.Hour)
			}))
			require.ErrorIs(t, err, coro.ErrClosed, "a timer after Close")
		})
	}
}
