//go:build libcoro_external

package coro_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
)

// Upstream libcoro v0.14 has no default_executor and no poll_stop_token: under libcoro_external those APIs report
// ErrNotSupported, and a poll with a ctx that cannot be cancelled still works (it needs neither).
func TestExternalV16ExecutorsAndCancellablePollsNotSupported(t *testing.T) {
	_, err := coro.DefaultThreadPool()
	require.ErrorIs(t, err, coro.ErrNotSupported)
	_, err = coro.DefaultIOScheduler()
	require.ErrorIs(t, err, coro.ErrNotSupported)

	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	var p [2]int
	require.NoError(t, unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC))
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = s.Poll(ctx, p[0], coro.PollRead, 0)
	require.ErrorIs(t, err, coro.ErrNotSupported)
	_, err = coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (coro.PollStatus, error) {
		return t.PollContext(ctx, s, p[0], coro.PollRead, 0)
	}))
	require.ErrorIs(t, err, coro.ErrNotSupported)
	st, err := s.Poll(context.Background(), p[1], coro.PollWrite, time.Second)
	require.NoError(t, err)
	require.Equal(t, coro.PollEvent, st)
	require.NoError(t, s.Close())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}
