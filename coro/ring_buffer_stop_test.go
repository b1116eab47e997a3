package coro_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Tests of libcoro v0.16's ways to wake or stop a RingBuffer (NotifyProducers, NotifyConsumers, Shutdown,
// ShutdownDrain) with goroutines and with cancelled callers whose native operations are still queued.

func newRB(t *testing.T, capacity int) *coro.RingBuffer[int] {
	t.Helper()
	rb, err := coro.NewRingBuffer[int](capacity)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, rb.Close())
		require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
	})
	return rb
}

// skipWithoutNotify skips a test of NotifyProducers / NotifyConsumers or of the producer wake-up of ShutdownDrain
// under the libcoro_external build tag, where upstream v0.14's ring_buffer cannot wake one kind of waiter (the
// methods fail with ErrNotSupported, which this checks).
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

// notifyUntil calls notify until n results arrived: a goroutine that has not queued its operation yet when one
// notify runs is woken by a later one.
func notifyUntil(t *testing.T, notify func() error, results <-chan error, n int) []error {
	t.Helper()
	var errs []error
	deadline := time.Now().Add(time.Minute)
	for len(errs) < n {
		require.True(t, time.Now().Before(deadline), "only %d of %d woken", len(errs), n)
		require.NoError(t, notify())
		select {
		case err := <-results:
			errs = append(errs, err)
		case <-time.After(time.Millisecond):
		}
	}
	return errs
}

func TestRingBufferNotifyProducersWakesGoroutines(t *testing.T) {
	skipWithoutNotify(t)
	ctx := context.Background()
	rb := newRB(t, 1)
	require.NoError(t, rb.Produce(ctx, 1))
	results := make(chan error)
	for k := 2; k <= 6; k++ {
		go func() { results <- rb.Produce(ctx, k) }()
	}
	for _, err := range notifyUntil(t, rb.NotifyProducers, results, 5) {
		require.ErrorIs(t, err, coro.ErrNotified)
	}
	require.False(t, rb.IsShutdown())
	v, err := rb.Consume(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	require.Zero(t, rb.Size(), "no notified value was stored")
	require.NoError(t, rb.Produce(ctx, 7), "the buffer stays open")
}

func TestRingBufferNotifyConsumersWakesGoroutines(t *testing.T) {
	skipWithoutNotify(t)
	ctx := context.Background()
	rb := newRB(t, 1)
	results := make(chan error)
	for range 5 {
		go func() {
			_, err := rb.Consume(ctx)
			results <- err
		}()
	}
	for _, err := range notifyUntil(t, rb.NotifyConsumers, results, 5) {
		require.ErrorIs(t, err, coro.ErrNotified)
	}
	require.NoError(t, rb.Produce(ctx, 7))
	v, err := rb.Consume(ctx)
	require.NoError(t, err)
	require.Equal(t, 7, v)
}

// A cancelled producer leaves its native operation queued with a placeholder; NotifyProducers ends it, so the
// placeholder never enters the buffer.
func TestRingBufferNotifyProducersDropsCancelledProducersPlaceholder(t *testing.T) {
	skipWithoutNotify(t)
	ctx := context.Background()
	rb := newRB(t, 1)
	require.NoError(t, rb.Produce(ctx, 1))
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	require.ErrorIs(t, rb.Produce(cctx, 2), context.DeadlineExceeded)
	cancel()
	require.NoError(t, rb.NotifyProducers())
	v, err := rb.Consume(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	require.Zero(t, rb.Size(), "the placeholder did not move into the freed slot")
	require.NoError(t, rb.Produce(ctx, 3))
	v, err = rb.Consume(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, v)
}

// A cancelled consumer's native operation stays queued and is adopted by the next consumer (goroutine or task
// body). NotifyConsumers wakes the adopter with ErrNotified, and no value is lost afterwards.
func TestRingBufferNotifyConsumersWakesAdopterOfCancelledConsume(t *testing.T) {
	skipWithoutNotify(t)
	ctx := context.Background()
	for _, taskBody := range []bool{false, true} {
		rb := newRB(t, 1)
		cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		_, err := rb.Consume(cctx)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded)
		results := make(chan error)
		go func() {
			if taskBody {
				_, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (int, error) { return rb.AwaitConsume(tk) }))
				results <- err
				return
			}
			_, err := rb.Consume(ctx)
			results <- err
		}()
		errs := notifyUntil(t, rb.NotifyConsumers, results, 1)
		require.ErrorIs(t, errs[0], coro.ErrNotified, "task body: %v", taskBody)
		require.NoError(t, rb.Produce(ctx, 5))
		v, err := rb.Consume(ctx)
		require.NoError(t, err)
		require.Equal(t, 5, v)
		require.Zero(t, rb.Size())
	}
}

func TestRingBufferShutdownRefusesConsumeWhileValuesRemain(t *testing.T) {
	ctx := context.Background()
	rb := newRB(t, 2)
	require.NoError(t, rb.Produce(ctx, 1))
	require.NoError(t, rb.Shutdown())
	require.True(t, rb.IsShutdown())
	_, err := rb.Consume(ctx)
	require.ErrorIs(t, err, coro.ErrStopped)
	require.ErrorIs(t, rb.Produce(ctx, 2), coro.ErrStopped)
	require.Equal(t, 1, rb.Size(), "Size still counts the value")
	require.NoError(t, rb.Shutdown(), "again: nothing to do")
}

// ShutdownDrain wakes the waiting producer (ErrStopped, its value not stored), refuses new produces, waits for
// the consumer to empty the buffer and then stops it, which ends the consumer's wait.
func TestRingBufferShutdownDrainWaitsForConsumers(t *testing.T) {
	skipWithoutNotify(t)
	ctx := context.Background()
	rb := newRB(t, 2)
	require.NoError(t, rb.Produce(ctx, 1))
	require.NoError(t, rb.Produce(ctx, 2))
	blocked := make(chan error, 1)
	go func() { blocked <- rb.Produce(ctx, 3) }()
	drained := make(chan error, 1)
	go func() { drained <- rb.ShutdownDrain(ctx) }()
	require.Eventually(t, rb.IsShutdown, 10*time.Second, time.Millisecond)
	require.ErrorIs(t, rb.Produce(ctx, 4), coro.ErrStopped)
	select {
	case err := <-drained:
		t.Fatalf("the drain ended with values left: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	var got []int
	for {
		v, err := rb.Consume(ctx)
		if err != nil {
			require.ErrorIs(t, err, coro.ErrStopped)
			break
		}
		got = append(got, v)
	}
	require.NoError(t, <-drained)
	if err := <-blocked; err != nil {
		require.ErrorIs(t, err, coro.ErrStopped)
		require.Equal(t, []int{1, 2}, got)
	} else {
		// It queued before the drain started and a consume moved its value in: the drain waited for it too.
		require.Equal(t, []int{1, 2, 3}, got)
	}
	require.Zero(t, rb.Size())
	require.ErrorIs(t, rb.Produce(ctx, 5), coro.ErrStopped)
}

func TestRingBufferShutdownDrainContext(t *testing.T) {
	skipWithoutNotify(t)
	ctx := context.Background()
	rb := newRB(t, 1)
	require.NoError(t, rb.Produce(ctx, 1))
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, rb.ShutdownDrain(cctx), context.DeadlineExceeded)
	require.True(t, rb.IsShutdown(), "still draining")
	require.ErrorIs(t, rb.Produce(ctx, 2), coro.ErrStopped)
	v, err := rb.Consume(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, v, "consumes go on while draining")
	require.NoError(t, rb.ShutdownDrain(ctx))
	_, err = rb.Consume(ctx)
	require.ErrorIs(t, err, coro.ErrStopped)
}

func TestRingBufferShutdownDrainEndsOnShutdownAndClose(t *testing.T) {
	skipWithoutNotify(t)
	ctx := context.Background()
	for _, stop := range []string{"shutdown", "close"} {
		rb := newRB(t, 1)
		require.NoError(t, rb.Produce(ctx, 1))
		drained := make(chan error, 1)
		go func() { drained <- rb.ShutdownDrain(ctx) }()
		require.Eventually(t, rb.IsShutdown, 10*time.Second, time.Millisecond)
		if stop == "shutdown" {
			require.NoError(t, rb.Shutdown())
			require.NoError(t, <-drained)
		} else {
			require.NoError(t, rb.Close())
			require.ErrorIs(t, <-drained, coro.ErrClosed)
		}
	}
}
