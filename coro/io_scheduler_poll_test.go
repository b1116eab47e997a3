package coro_test

import (
	"context"
	"errors"
	"math"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

type pollOutcome struct {
	st  coro.PollStatus
	err error
}

func TestNotifyWhenReady(t *testing.T) {
	for _, strategy := range []coro.ExecutionStrategy{coro.TasksOnThreadPool, coro.TasksInline} {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: strategy, Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		r, w, err := os.Pipe()
		require.NoError(t, err)
		got := make(chan pollOutcome, 1)
		done := func(st coro.PollStatus, err error) { got <- pollOutcome{st, err} }

		// Nothing to read: the timeout fires.
		require.NoError(t, s.NotifyWhenReady(int(r.Fd()), coro.PollRead, 20*time.Millisecond, done))
		o := <-got
		require.NoError(t, o.err)
		require.Equal(t, coro.PollTimeout, o.st)

		// Readiness after the poll started wakes it; the same fd can be polled again once the first finished.
		for i := 0; i < 3; i++ {
			require.NoError(t, s.NotifyWhenReady(int(r.Fd()), coro.PollRead, 0, done))
			time.Sleep(5 * time.Millisecond)
			_, err = w.Write([]byte{'x'})
			require.NoError(t, err)
			o = <-got
			require.NoError(t, o.err)
			require.Equal(t, coro.PollEvent, o.st)
			_, err = r.Read(make([]byte, 1))
			require.NoError(t, err)
		}
		// Writable right away.
		require.NoError(t, s.NotifyWhenReady(int(w.Fd()), coro.PollWrite, time.Second, done))
		require.Equal(t, coro.PollEvent, (<-got).st)

		require.Error(t, s.NotifyWhenReady(int(r.Fd()), coro.PollOp(2), 0, done), "bad op")
		require.Error(t, s.NotifyWhenReady(-1, coro.PollRead, 0, done), "bad fd")

		require.NoError(t, s.Close())
		err = s.NotifyWhenReady(int(r.Fd()), coro.PollRead, 0, done)
		require.True(t, errors.Is(err, coro.ErrClosed), "after Close: %v", err)
		require.NoError(t, r.Close())
		require.NoError(t, w.Close())
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// Close from one of the scheduler's own threads (the event thread, a pool worker, or inside ProcessEvents) stops it
// in the background instead of crashing or hanging.
func TestIOSchedulerCloseFromOwnThread(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts coro.IOSchedulerOptions
	}{
		{"pool", coro.IOSchedulerOptions{}},
		{"inline", coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline}},
		{"manual", coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread, ExecutionStrategy: coro.TasksInline}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := coro.NewIOScheduler(tc.opts)
			require.NoError(t, err)
			closed := make(chan error, 1)
			require.NoError(t, s.Spawn(func() { closed <- s.Close() }))
			if tc.opts.ThreadStrategy == coro.ManualThread {
				_, err := s.ProcessEvents(0)
				require.NoError(t, err)
			}
			require.NoError(t, <-closed)
			require.NoError(t, s.Close(), "a later Close from outside is harmless")
			require.ErrorIs(t, s.Spawn(func() {}), coro.ErrClosed)
			require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
		})
	}
}

// Close completes every poll still waiting — NotifyWhenReady or T.Poll, with or without a timeout, on descriptors
// that never become ready — with ErrClosed instead of waiting for them forever.
func TestIOSchedulerCloseCompletesPendingPolls(t *testing.T) {
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
			const pipes = 1000 // both ends polled for reading: 2,000 polls that never fire
			got := make(chan pollOutcome, 2*pipes)
			done := func(st coro.PollStatus, err error) { got <- pollOutcome{st, err} }
			var files []*os.File
			for i := 0; i < pipes; i++ {
				r, w, err := os.Pipe()
				require.NoError(t, err)
				files = append(files, r, w)
				timeout := time.Duration(0)
				if i%2 == 1 {
					timeout = time.Hour
				}
				require.NoError(t, s.NotifyWhenReady(int(r.Fd()), coro.PollRead, timeout, done))
				require.NoError(t, s.NotifyWhenReady(int(w.Fd()), coro.PollRead, timeout, done))
			}
			// Task bodies in T.Poll likewise.
			const tasks = 20
			taskErrs := make(chan error, tasks)
			for i := 0; i < tasks; i++ {
				r, w, err := os.Pipe()
				require.NoError(t, err)
				files = append(files, r, w)
				go func() {
					_, err := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (coro.PollStatus, error) {
						return t.Poll(s, int(r.Fd()), coro.PollRead, 0)
					}))
					taskErrs <- err
				}()
			}
			require.Eventually(t, func() bool { return s.Size() >= 2*pipes+tasks }, 10*time.Second, time.Millisecond)

			closed := make(chan error, 1)
			start := time.Now()
			go func() { closed <- s.Close() }()
			select {
			case err := <-closed:
				require.NoError(t, err)
			case <-time.After(20 * time.Second):
				t.Fatal("Close still waiting for pending polls after 20 s")
			}
			t.Logf("Close took %v", time.Since(start))
			for i := 0; i < 2*pipes; i++ {
				o := <-got // Close returns only after every done ran
				require.ErrorIs(t, o.err, coro.ErrClosed)
			}
			for i := 0; i < tasks; i++ {
				require.ErrorIs(t, <-taskErrs, coro.ErrClosed)
			}
			for _, f := range files {
				require.NoError(t, f.Close())
			}
			require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
		})
	}
}

// A panic (or runtime.Goexit) in a NotifyWhenReady callback is recovered on the goroutine that delivers completions:
// the process survives and later completions are still delivered.
func TestNotifyWhenReadyPanic(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	ran := make(chan struct{}, 10)
	for i := 0; i < 10; i++ {
		require.NoError(t, s.NotifyWhenReady(int(w.Fd()), coro.PollWrite, time.Second, func(coro.PollStatus, error) {
			ran <- struct{}{}
			panic("boom")
		}))
		<-ran
	}
	// runtime.Goexit (what t.FailNow calls) cannot be stopped, but the completions behind it still arrive.
	require.NoError(t, s.NotifyWhenReady(int(w.Fd()), coro.PollWrite, time.Second, func(coro.PollStatus, error) {
		ran <- struct{}{}
		runtime.Goexit()
	}))
	<-ran
	got := make(chan pollOutcome, 1)
	require.NoError(t, s.NotifyWhenReady(int(w.Fd()), coro.PollWrite, time.Second, func(st coro.PollStatus, err error) {
		got <- pollOutcome{st, err}
	}))
	o := <-got
	require.NoError(t, o.err)
	require.Equal(t, coro.PollEvent, o.st)
	require.NoError(t, s.Close())
	require.NoError(t, r.Close())
	require.NoError(t, w.Close())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// NotifyWhenReady's timeout is capped like YieldFor's (2^42 ms), so the longest durations wait until Close. Without the
// cap the core's deadline computation overflowed (undefined behaviour in C++) for the top ~0.2 ms of the range;
// for a poll the wrapped deadline happened to mean "no timeout", so this test passes on the old code too: it
// guards the behaviour, not a seen failure.
func TestNotifyWhenReadyLongestTimeoutWaits(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	got := make(chan pollOutcome, 3)
	var files []*os.File
	for _, d := range []time.Duration{math.MaxInt64, math.MaxInt64 - time.Millisecond/2, 1 << 62} {
		r, w, err := os.Pipe()
		require.NoError(t, err)
		files = append(files, r, w)
		require.NoError(t, s.NotifyWhenReady(int(r.Fd()), coro.PollRead, d, func(st coro.PollStatus, err error) {
			got <- pollOutcome{st, err}
		}))
	}
	select {
	case o := <-got:
		t.Fatalf("a poll with the longest timeout ended at once: %v, %v", o.st, o.err)
	case <-time.After(200 * time.Millisecond):
	}
	require.NoError(t, s.Close())
	for range 3 {
		require.ErrorIs(t, (<-got).err, coro.ErrClosed)
	}
	for _, f := range files {
		f.Close()
	}
}
