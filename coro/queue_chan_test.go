package coro_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// receiveAll reads ch until it closes, failing the test if that takes longer than a generous bound.
func receiveAll[V any](t *testing.T, ch <-chan V) []V {
	t.Helper()
	var got []V
	deadline := time.After(30 * time.Second)
	for {
		select {
		case v, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, v)
		case <-deadline:
			t.Fatalf("channel not closed; received %v", got)
		}
	}
}

func TestQueueChanDeliversInOrderAndClosesAfterDrain(t *testing.T) {
	q := coro.NewQueue[int]()
	defer q.Close()
	ch := q.Chan(context.Background())
	for i := range 5 {
		require.NoError(t, q.Push(i))
	}
	go func() { _ = q.ShutdownDrain(context.Background()) }()
	require.Equal(t, []int{0, 1, 2, 3, 4}, receiveAll(t, ch))
	require.True(t, q.IsShutdown())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}

func TestQueueChanClosesWhenQueueStopsOrCloses(t *testing.T) {
	q := coro.NewQueue[int]()
	ch := q.Chan(context.Background())
	require.NoError(t, q.Shutdown())
	require.Empty(t, receiveAll(t, ch))

	q2 := coro.NewQueue[int]()
	ch2 := q2.Chan(context.Background())
	require.NoError(t, q2.Close())
	require.Empty(t, receiveAll(t, ch2))

	var zero coro.Queue[int]
	require.Empty(t, receiveAll(t, zero.Chan(context.Background())))
	require.NoError(t, q.Close())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}

// A value popped by the channel's goroutine but not received when ctx ends goes back to the front of the queue.
func TestQueueChanCancelReturnsUndeliveredValueToFront(t *testing.T) {
	q := coro.NewQueue[int]()
	defer q.Close()
	for i := 1; i <= 3; i++ {
		require.NoError(t, q.Push(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := q.Chan(ctx)
	require.Equal(t, 1, <-ch)
	// The goroutine pops 2 and then waits to hand it over: only 3 is left in the queue.
	require.Eventually(t, func() bool { return q.Len() == 1 }, 10*time.Second, time.Millisecond)
	cancel()
	require.Empty(t, receiveAll(t, ch))
	require.Equal(t, 2, q.Len())
	for _, want := range []int{2, 3} {
		v, err := q.TryPop()
		require.NoError(t, err)
		require.Equal(t, want, v)
	}
	_, err := q.TryPop()
	require.ErrorIs(t, err, coro.ErrEmpty)
}

// Cancelling at random points of a stream loses and reorders nothing: what the channel delivered followed by what
// is left in the queue is exactly what was pushed.
func TestQueueChanCancelRacingTransferLosesNothing(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	for r := range rounds {
		q := coro.NewQueue[int]()
		const n = 20
		ctx, cancel := context.WithCancel(context.Background())
		ch := q.Chan(ctx)
		stopAt := r % n
		if stopAt == 0 {
			cancel()
		}
		go func() {
			for i := range n {
				_ = q.Push(i)
			}
		}()
		var got []int
		for v := range ch {
			got = append(got, v)
			if len(got) == stopAt {
				cancel()
			}
		}
		cancel()
		// The producer may still be pushing. Pop (unlike TryPop) first waits for a native pop the channel's goroutine
		// left queued when ctx ended, so it sees the values in queue order.
		popCtx, popCancel := context.WithTimeout(context.Background(), 30*time.Second)
		for len(got) < n {
			v, err := q.Pop(popCtx)
			require.NoError(t, err, "round %d: got %v", r, got)
			got = append(got, v)
		}
		popCancel()
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		require.Equal(t, want, got, "round %d", r)
		require.NoError(t, q.Close())
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}
