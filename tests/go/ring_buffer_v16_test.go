// Parity scenarios 282–291 (libcoro v0.16 test_ring_buffer.cpp) through package coro.
package gotest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// parity-note: "ring_buffer shutdown_drain non-empty consumer shutdown": needs RingBuffer shutdown_drain (wait until the consumers emptied the buffer; coro.RingBuffer has NotifyWaiters and Close only), see issue 18.
// parity-note: "ring_buffer notify producers": needs RingBuffer notify_producers (wake the blocked producers with produce::notified without stopping the buffer; coro.RingBuffer.NotifyWaiters stops it for good), see issue 18.
// parity-note: "ring_buffer notify consumers": needs RingBuffer notify_consumers (wake the blocked consumers with consume::notified without stopping the buffer; coro.RingBuffer.NotifyWaiters stops it for good), see issue 18.

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

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
