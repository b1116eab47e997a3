package coro_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
)

func TestDefaultThreadPool(t *testing.T) {
	var wg sync.WaitGroup
	pools := make([]*coro.ThreadPool, 8)
	for i := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := coro.DefaultThreadPool()
			require.NoError(t, err)
			pools[i] = p
		}()
	}
	wg.Wait()
	for _, p := range pools {
		require.Same(t, pools[0], p, "one pool per process")
	}
	p := pools[0]
	require.Positive(t, p.ThreadCount())

	err := p.Close()
	require.ErrorIs(t, err, coro.ErrNotSupported)
	require.EqualError(t, err, "coro: default thread_pool close: not supported")

	// Still running after the refused Close: Go functions and task bodies.
	ran := make(chan struct{})
	require.NoError(t, p.Spawn(func() { close(ran) }))
	<-ran
	v, err := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (int, error) {
		if err := t.Schedule(p); err != nil {
			return 0, err
		}
		return 42, nil
	}))
	require.NoError(t, err)
	require.Equal(t, 42, v)
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}

func TestDefaultIOScheduler(t *testing.T) {
	s, err := coro.DefaultIOScheduler()
	require.NoError(t, err)
	again, err := coro.DefaultIOScheduler()
	require.NoError(t, err)
	require.Same(t, s, again, "one scheduler per process")
	require.ErrorIs(t, s.Close(), coro.ErrNotSupported)

	// Timers, task polls and cancellable goroutine polls still work after the refused Close.
	var p [2]int
	require.NoError(t, unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC))
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	st, err := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (coro.PollStatus, error) {
		if err := t.YieldFor(s, time.Millisecond); err != nil {
			return coro.PollError, err
		}
		return t.Poll(s, p[1], coro.PollWrite, time.Second)
	}))
	require.NoError(t, err)
	require.Equal(t, coro.PollEvent, st)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	st, err = s.Poll(ctx, p[0], coro.PollRead, 0)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, coro.PollCancelled, st)
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}
