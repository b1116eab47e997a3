package adversarial

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
)

// Close of an IOScheduler under ten thousand pending polls, then under ten thousand pending timers: each one
// completes with ErrClosed (none is run late or lost), Close does not wait for them, and every handle is freed.

// ioSchedulerKinds are the schedulers each case closes, with how many waiters it leaves pending on each: ten
// thousand on a pool; fewer inline, where Close resumes every body on the event thread itself and took 1.5 s for
// 10,000 timers but 5.7 s for 20,000 (8 s for 10,000 under -race), so the inline count only covers the strategy.
func ioSchedulerKinds() []struct {
	name string
	opts coro.IOSchedulerOptions
	n    int
} {
	return []struct {
		name string
		opts coro.IOSchedulerOptions
		n    int
	}{
		{"pool", coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}}, scale(10000)},
		{"inline", coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline}, scale(2000)},
	}
}

// ensureFDs raises RLIMIT_NOFILE's soft limit to the hard one when n more descriptors would not fit (restored at
// the end of the test), or skips the test when even the hard limit is too low.
func ensureFDs(t *testing.T, n int) {
	t.Helper()
	var lim unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	need := uint64(n + 100) // the test binary's own descriptors, listeners of earlier tests closing late
	if lim.Cur >= need {
		return
	}
	if lim.Max < need {
		t.Skipf("RLIMIT_NOFILE hard limit %d is below the %d descriptors this case needs", lim.Max, need)
	}
	saved := lim
	lim.Cur = lim.Max
	require.NoError(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &lim))
	t.Cleanup(func() { _ = unix.Setrlimit(unix.RLIMIT_NOFILE, &saved) })
}

// closeUnderIOWaiters starts n waiters through start(i, result) (each reports exactly one error to result), waits
// until the scheduler counts them all as pending, closes it and checks that every waiter got ErrClosed.
func closeUnderIOWaiters(t *testing.T, s *coro.IOScheduler, n int, start func(i int, result chan<- error)) {
	t.Helper()
	before := coro.LiveHandles()
	results := make(chan error, n)
	for i := range n {
		start(i, results)
	}
	require.True(t, eventually(30*time.Second, func() bool { return s.Size() >= n }),
		"only %d of %d waiters pending", s.Size(), n)
	closed := make(chan error, 1)
	began := time.Now()
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatalf("Close still waiting 30 s after it began, under %d pending waiters", n)
	}
	took := time.Since(began)
	deadline := time.After(30 * time.Second)
	for i := range n {
		select {
		case err := <-results:
			require.ErrorIs(t, err, coro.ErrClosed, "waiter result %d of %d", i+1, n)
		case <-deadline:
			t.Fatalf("%d of %d waiters still pending 30 s after Close", n-i, n)
		}
	}
	require.True(t, eventually(10*time.Second, func() bool { return coro.LiveHandles() <= before }),
		"live handles: %d before, %d after", before, coro.LiveHandles())
	t.Logf("%d waiters ended with ErrClosed; Close took %v", n, took)
}

func TestIOSchedulerCloseUnder10kPolls(t *testing.T) {
	for _, kind := range ioSchedulerKinds() {
		t.Run(kind.name, func(t *testing.T) {
			n := kind.n
			ensureFDs(t, n)
			s, err := coro.NewIOScheduler(kind.opts)
			require.NoError(t, err)
			// One eventfd per poll (libcoro allows one pending poll per descriptor), never signalled; half of
			// them with a timeout Close must not wait out. Even ones are NotifyWhenReady, odd ones T.Poll bodies.
			fds := make([]int, n)
			defer func() {
				for _, fd := range fds {
					if fd > 0 {
						_ = unix.Close(fd)
					}
				}
			}()
			closeUnderIOWaiters(t, s, n, func(i int, result chan<- error) {
				fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
				require.NoError(t, err)
				fds[i] = fd
				timeout := time.Duration(0)
				if i%4 >= 2 {
					timeout = time.Hour
				}
				if i%2 == 0 {
					require.NoError(t, s.NotifyWhenReady(fd, coro.PollRead, timeout, func(_ coro.PollStatus, err error) {
						result <- err
					}))
					return
				}
				go func() {
					_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (coro.PollStatus, error) {
						return tk.Poll(s, fd, coro.PollRead, timeout)
					}))
					result <- err
				}()
			})
		})
	}
}

func TestIOSchedulerCloseUnder10kTimers(t *testing.T) {
	for _, kind := range ioSchedulerKinds() {
		t.Run(kind.name, func(t *testing.T) {
			n := kind.n
			s, err := coro.NewIOScheduler(kind.opts)
			require.NoError(t, err)
			waits := []func(*coro.T) error{
				func(tk *coro.T) error { return tk.YieldFor(s, math.MaxInt64) },
				func(tk *coro.T) error { return tk.ScheduleAfter(s, time.Hour) },
				func(tk *coro.T) error { return tk.ScheduleAt(s, time.Now().Add(24*time.Hour)) },
			}
			closeUnderIOWaiters(t, s, n, func(i int, result chan<- error) {
				go func() {
					_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
						return struct{}{}, waits[i%len(waits)](tk)
					}))
					result <- err
				}()
			})
		})
	}
}
