package coro_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// ProcessEvents' timeout kept its meaning below a millisecond: -1ns blocked and 500µs waited, where truncating to
// whole milliseconds had made both a non-blocking check (a caller looping on it spun).
func TestProcessEventsSubMillisecondTimeouts(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread, ExecutionStrategy: coro.TasksInline})
	require.NoError(t, err)
	defer s.Close()

	start := time.Now()
	_, err = s.ProcessEvents(500 * time.Microsecond)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 500*time.Microsecond)

	returned := make(chan time.Duration, 1)
	start = time.Now()
	go func() {
		_, err := s.ProcessEvents(-time.Nanosecond)
		require.NoError(t, err)
		returned <- time.Since(start)
	}()
	select {
	case <-returned:
		t.Fatal("ProcessEvents(-1ns) returned with nothing to do: it must block")
	case <-time.After(100 * time.Millisecond):
	}
	ran := make(chan struct{})
	require.NoError(t, s.Spawn(func() { close(ran) })) // wakes the blocked ProcessEvents
	select {
	case d := <-returned:
		require.GreaterOrEqual(t, d, 100*time.Millisecond)
	case <-time.After(10 * time.Second):
		t.Fatal("ProcessEvents(-1ns) not woken by Spawn")
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		select {
		case <-ran:
			return
		default:
		}
		require.True(t, time.Now().Before(deadline), "the spawned function never ran")
		_, err = s.ProcessEvents(10 * time.Millisecond)
		require.NoError(t, err)
	}
}

// Close of a ManualThread scheduler runs what was spawned on it and never processed, so that nothing queued keeps a
// handle: the embedded core runs one last round at shutdown, and upstream libcoro's shutdown runs none (no event
// thread), which the shim makes up for.
func TestManualThreadCloseRunsQueuedSpawns(t *testing.T) {
	before := coro.LiveHandles()
	for _, exec := range []coro.ExecutionStrategy{coro.TasksInline, coro.TasksOnThreadPool} {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread, ExecutionStrategy: exec})
		require.NoError(t, err)
		var ran atomic.Int32
		for i := 0; i < 10; i++ {
			require.NoError(t, s.Spawn(func() { ran.Add(1) }))
		}
		require.NoError(t, s.Close())
		require.EqualValues(t, 10, ran.Load(), "execution strategy %v", exec)
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == before }, 10*time.Second, time.Millisecond)
}
