package coro_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Issue 20 #4: a value that reached a consumer which had just given up was overtaken by later values from the
// buffer (~850 of 200,000 out of order), although the doc promises it goes to the next consumer first.
func TestRingBufferCancelledConsumeKeepsFIFOOrder(t *testing.T) {
	rb, err := coro.NewRingBuffer[int](16)
	require.NoError(t, err)
	n := 100000
	if testing.Short() {
		n = 20000
	}
	go func() {
		for i := 1; i <= n; i++ {
			if err := rb.Produce(context.Background(), i); err != nil {
				t.Errorf("produce %d: %v", i, err)
				return
			}
		}
	}()
	last, outOfOrder, cancelled := 0, 0, 0
	deadline := time.Now().Add(2 * time.Minute)
	for last < n && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(101))*time.Microsecond)
		v, err := rb.Consume(ctx)
		cancel()
		if err != nil {
			require.True(t, errors.Is(err, context.DeadlineExceeded), "consume: %v", err)
			cancelled++
			continue
		}
		if v != last+1 {
			outOfOrder++
		}
		if v > last {
			last = v
		}
	}
	require.Equal(t, n, last, "every value arrived")
	require.Zero(t, outOfOrder, "values out of order (%d consumes cancelled)", cancelled)
	require.True(t, rb.Empty())
	require.NoError(t, rb.Close())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// Issue 20 #11: the zero RingBuffer crashed in C. Every method reports ErrInvalid instead.
func TestRingBufferZeroValueIsInvalid(t *testing.T) {
	var rb coro.RingBuffer[int]
	require.Zero(t, rb.Capacity())
	require.Zero(t, rb.Size())
	require.True(t, rb.Empty())
	require.ErrorIs(t, rb.Produce(context.Background(), 1), coro.ErrInvalid)
	_, err := rb.Consume(context.Background())
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, rb.NotifyWaiters(), coro.ErrInvalid)
	require.ErrorIs(t, rb.NotifyProducers(), coro.ErrInvalid)
	require.ErrorIs(t, rb.NotifyConsumers(), coro.ErrInvalid)
	require.ErrorIs(t, rb.Shutdown(), coro.ErrInvalid)
	require.ErrorIs(t, rb.ShutdownDrain(context.Background()), coro.ErrInvalid)
	require.False(t, rb.IsShutdown())
	_, err = coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
		if err := rb.AwaitProduce(tk, 1); !errors.Is(err, coro.ErrInvalid) {
			return 0, err
		}
		if err := rb.AwaitShutdownDrain(tk, nil); !errors.Is(err, coro.ErrInvalid) {
			return 0, err
		}
		return rb.AwaitConsume(tk)
	}))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, rb.Close(), coro.ErrInvalid)
}

// Issue 20 #4, task bodies: a value on its way to the Go side from a cancelled consumer's native operation must
// not be overtaken by a task body consuming a later value straight from the buffer.
func TestRingBufferTaskBodyConsumeKeepsFIFOOrderAfterCancelledConsume(t *testing.T) {
	rb, err := coro.NewRingBuffer[int](4)
	require.NoError(t, err)
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	wrong := 0
	for i := 0; i < rounds; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Microsecond)
		_, err := rb.Consume(ctx) // leaves its native consume queued
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, rb.Produce(context.Background(), 1)) // to the cancelled consumer's operation
		require.NoError(t, rb.Produce(context.Background(), 2)) // into the buffer
		wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		got, err := coro.SyncWait(wctx, coro.NewTask(func(tk *coro.T) ([2]int, error) {
			var got [2]int
			for j := range got {
				v, err := rb.AwaitConsume(tk)
				if err != nil {
					return got, err
				}
				got[j] = v
			}
			return got, nil
		}))
		cancel()
		if err != nil {
			// The body waits for a value the Go side kept for it, which never comes from the buffer.
			require.NoError(t, rb.Close())
			t.Fatalf("round %d: the task body got stuck after %d rounds out of order: %v", i, wrong, err)
		}
		if got != [2]int{1, 2} {
			wrong++
		}
	}
	require.Zero(t, wrong, "task body saw the values out of order")
	require.True(t, rb.Empty())
	require.NoError(t, rb.Close())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
