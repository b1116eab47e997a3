// Parity scenarios 282–291 (libcoro v0.16 test_ring_buffer.cpp) through package coro. v0.16's shutdown_drain(e) is
// AwaitShutdownDrain(tk, e) in a task body (ShutdownDrain(ctx) for goroutines).
package gotest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestRingBufferV16(t *testing.T) {
	ctx := context.Background()

	// parity-note: "ring_buffer max_size": max_size() is Capacity(); N = 2, 16, 256 as upstream, while N = 12345 is rejected with ErrInvalid (the Go buffer instantiates only 1..16 and powers of two up to 65536).
	t.Run("ring_buffer max_size", func(t *testing.T) {
		for _, n := range []int{2, 16, 256} {
			rb, err := coro.NewRingBuffer[uint64](n)
			require.NoError(t, err)
			require.Equal(t, n, rb.Capacity())
			require.NoError(t, rb.Close())
		}
		_, err := coro.NewRingBuffer[uint64](12345)
		require.ErrorIs(t, err, coro.ErrInvalid)
	})

	// parity-note: "ring_buffer is full": full() is Size() == Capacity().
	t.Run("ring_buffer is full", func(t *testing.T) {
		rb, err := coro.NewRingBuffer[uint64](2)
		require.NoError(t, err)
		defer rb.Close()
		full := func() bool { return rb.Size() == rb.Capacity() }
		require.NoError(t, rb.Produce(ctx, 1))
		require.False(t, full())
		require.NoError(t, rb.Produce(ctx, 2))
		require.True(t, full())
		v, err := rb.Consume(ctx)
		require.NoError(t, err)
		require.Equal(t, uint64(1), v)
		require.False(t, full())
	})

	t.Run("ring_buffer shutdown_drain non-empty consumer shutdown", func(t *testing.T) {
		skipWithoutNotify(t)
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		rb, err := coro.NewRingBuffer[int](1)
		require.NoError(t, err)
		defer rb.Close()
		producer := run(func(tk *coro.T) error {
			if err := tk.Schedule(tp); err != nil {
				return err
			}
			if err := rb.AwaitProduce(tk, 1); err != nil {
				return err
			}
			// Nobody consumes: the drain ends only because the consumer task shuts the buffer down.
			if err := rb.AwaitShutdownDrain(tk, tp); err != nil {
				return err
			}
			if !rb.IsShutdown() {
				return errors.New("not shut down after the drain")
			}
			return nil
		})
		consumer := run(func(tk *coro.T) error {
			if err := tk.Schedule(tp); err != nil {
				return err
			}
			if err := rb.Shutdown(); err != nil {
				return err
			}
			if !rb.IsShutdown() {
				return errors.New("not shut down after shutdown")
			}
			return nil
		})
		_, err = coro.SyncWait(ctx, run(func(tk *coro.T) error { return coro.WhenAll(tk, producer, consumer) }))
		require.NoError(t, err)
		for _, task := range []*coro.Task[struct{}]{producer, consumer} {
			_, err := task.Result()
			require.NoError(t, err)
		}
		require.Equal(t, 1, rb.Size(), "shutdown does not consume")
	})

	t.Run("ring_buffer notify producers", func(t *testing.T) {
		skipWithoutNotify(t)
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		var results [5]error
		_, err := coro.SyncWait(ctx, run(func(tk *coro.T) error {
			rb, err := coro.NewRingBuffer[int](1)
			if err != nil {
				return err
			}
			defer rb.Close()
			if err := rb.AwaitProduce(tk, 1); err != nil {
				return err
			}
			var tasks []*coro.Task[struct{}]
			for k := 2; k <= 6; k++ {
				tasks = append(tasks, run(func(tk *coro.T) error {
					if err := tk.Schedule(tp); err != nil {
						return err
					}
					results[k-2] = rb.AwaitProduce(tk, k)
					return nil
				}))
			}
			// Scheduled last on the one thread: runs once the five producers wait.
			tasks = append(tasks, run(func(tk *coro.T) error {
				if err := tk.Schedule(tp); err != nil {
					return err
				}
				return rb.NotifyProducers()
			}))
			if err := coro.WhenAll(tk, anyTasks(tasks)...); err != nil {
				return err
			}
			for _, task := range tasks {
				if _, err := task.Result(); err != nil {
					return err
				}
			}
			if v, err := rb.AwaitConsume(tk); err != nil || v != 1 {
				return fmt.Errorf("consume after the notify: %d, %v (want 1: no notified value stored)", v, err)
			}
			return nil
		}))
		require.NoError(t, err)
		for _, r := range results {
			require.ErrorIs(t, r, coro.ErrNotified)
		}
	})

	t.Run("ring_buffer notify consumers", func(t *testing.T) {
		skipWithoutNotify(t)
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		var results [5]error
		_, err := coro.SyncWait(ctx, run(func(tk *coro.T) error {
			rb, err := coro.NewRingBuffer[int](1)
			if err != nil {
				return err
			}
			defer rb.Close()
			var tasks []*coro.Task[struct{}]
			for i := range 5 {
				tasks = append(tasks, run(func(tk *coro.T) error {
					if err := tk.Schedule(tp); err != nil {
						return err
					}
					_, results[i] = rb.AwaitConsume(tk)
					return nil
				}))
			}
			tasks = append(tasks, run(func(tk *coro.T) error {
				if err := tk.Schedule(tp); err != nil {
					return err
				}
				return rb.NotifyConsumers()
			}))
			if err := coro.WhenAll(tk, anyTasks(tasks)...); err != nil {
				return err
			}
			for _, task := range tasks {
				if _, err := task.Result(); err != nil {
					return err
				}
			}
			if rb.IsShutdown() {
				return errors.New("notify_consumers stopped the buffer")
			}
			return nil
		}))
		require.NoError(t, err)
		for _, r := range results {
			require.ErrorIs(t, r, coro.ErrNotified)
		}
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

// skipWithoutNotify skips a scenario that needs RingBuffer.NotifyProducers / NotifyConsumers (or ShutdownDrain's
// producer wake-up) under the libcoro_external build tag: upstream v0.14's ring_buffer cannot wake one kind of
// waiter without stopping, and the methods fail with ErrNotSupported (checked here).
func skipWithoutNotify(t *testing.T) {
	t.Helper()
	rb, err := coro.NewRingBuffer[int](1)
	require.NoError(t, err)
	defer rb.Close()
	if err := rb.NotifyProducers(); errors.Is(err, coro.ErrNotSupported) {
		require.ErrorIs(t, rb.NotifyConsumers(), coro.ErrNotSupported)
		t.Skip("the libcoro underneath (upstream v0.14) cannot wake producers or consumers without stopping")
	}
}
