package coro_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

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

	closeEndsTimers(t, s, errs, timers)
	require.Eventually(t, func() bool { return openDescriptors(t) <= fdsBefore }, 5*time.Second, time.Millisecond,
		"descriptors left after Close")
}

// closeEndsTimers closes s and checks that Close returns without waiting for the n pending timers, each of which
// reports ErrClosed on errs.
func closeEndsTimers(t *testing.T, s *coro.IOScheduler, errs <-chan error, n int) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Close waits for pending timers")
	}
	for i := 0; i < n; i++ {
		require.ErrorIs(t, <-errs, coro.ErrClosed)
	}
}

// openDescriptors counts this process's open file descriptors.
func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// With no descriptor left in the process (EMFILE), timers still work: against upstream libcoro (build tag
// libcoro_external) a timer then cannot have a descriptor of its own and waits in slices, which must still time out
// when due and still end with ErrClosed at Close; the embedded core's timers need no descriptor at all. Runs in a
// process of its own (it exhausts the descriptor table).
func TestIOSchedulerTimersWithoutDescriptors(t *testing.T) {
	if !inChild(t) {
		return
	}
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	require.NoError(t, err)
	yieldFor := func(d time.Duration) error {
		_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
			return struct{}{}, tk.YieldFor(s, d)
		}))
		return err
	}
	require.NoError(t, yieldFor(time.Millisecond)) // whatever the first timer sets up, it has its descriptors now
	time.Sleep(time.Millisecond)                   // and Go's timers their netpoll descriptor (made on first use)

	// Fill the descriptor table: a low limit keeps that quick, and every later open fails with EMFILE.
	var limit unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &limit))
	limit.Cur = uint64(openDescriptors(t) + 64)
	require.NoError(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &limit))
	var held []int
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			require.ErrorIs(t, err, unix.EMFILE)
			break
		}
		held = append(held, fd)
	}
	defer func() {
		for _, fd := range held {
			unix.Close(fd)
		}
	}()

	start := time.Now()
	require.NoError(t, yieldFor(150*time.Millisecond))
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "a timer ended before it was due")

	const pending = 8
	errs := make(chan error, pending)
	for i := 0; i < pending; i++ {
		go func() { errs <- yieldFor(time.Hour) }()
	}
	require.Eventually(t, func() bool { return s.Size() >= pending }, 30*time.Second, time.Millisecond)
	closeEndsTimers(t, s, errs, pending)
}
