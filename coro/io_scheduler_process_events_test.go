package coro_test

import (
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
