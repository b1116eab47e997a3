package coro_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Many pending timers neither hold a descriptor each nor outlive Close. Against upstream libcoro (build tag
// libcoro_external) a timer waits on a descriptor of its own so that Close can end it, but at most 1024 timers at a
// time do (the rest wait in slices): so many timers cannot take the descriptors sockets need, and all of them still
// get ErrClosed at Close.
func TestIOSchedulerManyTimersCloseAndDescriptors(t *testing.T) {
	const timers = 3000
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	require.NoError(t, err)
	fdsBefore := openDescriptors(t)
	errs := make(chan error, timers)
	for i := 0; i < timers; i++ {
		go func() {
			_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
				return struct{}{}, tk.YieldFor(s, time.Hour)
			}))
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return s.Size() >= timers }, 30*time.Second, time.Millisecond)
	require.Less(t, openDescriptors(t)-fdsBefore, 1100, "descriptors held by %d pending timers", timers)

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Close waits for pending timers")
	}
	for i := 0; i < timers; i++ {
		require.ErrorIs(t, <-errs, coro.ErrClosed)
	}
	require.Eventually(t, func() bool { return openDescriptors(t) <= fdsBefore }, 5*time.Second, time.Millisecond,
		"descriptors left after Close")
}

// openDescriptors counts this process's open file descriptors.
func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}
