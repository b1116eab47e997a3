package coro_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Go work submitted to a one-thread pool runs in submission order, whether it is a Spawn, a Schedule or a started
// ScheduleTask leaf (they share the pool's run queue).
func TestRunQueueKeepsSubmissionOrder(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	var mu sync.Mutex
	var order []int
	record := func(i int) { mu.Lock(); order = append(order, i); mu.Unlock() }
	const n = 3000
	var tasks []*coro.Task[struct{}]
	for i := 0; i < n; i++ {
		switch i % 3 {
		case 0:
			require.NoError(t, tp.Spawn(func() { record(i) }))
		case 1:
			task := coro.ScheduleTask(tp, coro.NewFunc(func() (struct{}, error) { record(i); return struct{}{}, nil }))
			require.NoError(t, task.Start())
			tasks = append(tasks, task)
		default:
			go func() {
				_, _ = coro.Schedule(context.Background(), tp, func(context.Context) (int, error) { return 0, nil })
			}()
			require.NoError(t, tp.Spawn(func() { record(i) }))
		}
	}
	for _, task := range tasks {
		_, err := coro.SyncWait(context.Background(), task)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == n }, 5*time.Second, time.Millisecond)
	for i, v := range order {
		require.Equal(t, i, v, "position %d", i)
	}
}

// Close runs every piece of queued Go work before it returns, and Size counts work still waiting in the queue.
func TestRunQueueCloseRunsQueuedWork(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	require.NoError(t, err)
	gate := make(chan struct{})
	var ran atomic.Int64
	for i := 0; i < 2; i++ { // occupy both threads
		require.NoError(t, tp.Spawn(func() { <-gate; ran.Add(1) }))
	}
	const n = 10000
	tasks := make([]*coro.Task[int], n)
	for i := range tasks {
		tasks[i] = coro.ScheduleTask(tp, coro.NewFunc(func() (int, error) { ran.Add(1); return i, nil }))
		require.NoError(t, tasks[i].Start())
	}
	require.GreaterOrEqual(t, tp.Size(), n, "queued leaves count in Size")
	close(gate)
	require.NoError(t, tp.Close())
	require.Equal(t, int64(n+2), ran.Load())
	for i, task := range tasks {
		require.True(t, task.Done())
		v, err := task.Result()
		require.NoError(t, err)
		require.Equal(t, i, v)
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// A pool thread busy with a long run of Go work still gets to native work queued behind it: the drainer hands the
// thread back to the pool between batches.
func TestRunQueueDoesNotStarveNativeWork(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	gate := make(chan struct{})
	require.NoError(t, tp.Spawn(func() { <-gate }))
	var goDone atomic.Int64
	const n = 2000
	for i := 0; i < n; i++ {
		require.NoError(t, tp.Spawn(func() {
			for t0 := time.Now(); time.Since(t0) < 20*time.Microsecond; {
			}
			goDone.Add(1)
		}))
	}
	// A task body that moves onto the pool natively (co_await pool.schedule()), queued after the Go work.
	var seen atomic.Int64
	native := coro.NewTask(func(ct *coro.T) (struct{}, error) {
		if err := ct.Schedule(tp); err != nil {
			return struct{}{}, err
		}
		seen.Store(goDone.Load() + 1)
		return struct{}{}, nil
	})
	require.NoError(t, native.Start())
	close(gate)
	_, err := coro.SyncWait(context.Background(), native)
	require.NoError(t, err)
	require.Less(t, seen.Load()-1, int64(n), "the native task ran before the whole Go queue drained")
}

// Work that waits for later work does not deadlock a pool with a free thread: a blocked item never holds items queued
// behind it (a drainer takes one item at a time).
func TestRunQueueBlockedItemDoesNotHoldOthers(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	for round := 0; round < 100; round++ {
		signal := make(chan struct{})
		done := make(chan struct{})
		require.NoError(t, tp.Spawn(func() { <-signal; close(done) }))
		require.NoError(t, tp.Spawn(func() { close(signal) }))
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: the second function never ran while the first waited for it", round)
		}
	}
}

// Submitting to a closed pool fails at once; nothing is queued or leaked.
func TestRunQueueAfterClose(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	require.NoError(t, tp.Close())
	require.ErrorIs(t, tp.Spawn(func() {}), coro.ErrClosed)
	task := coro.ScheduleTask(tp, coro.NewFunc(func() (int, error) { return 1, nil }))
	require.NoError(t, task.Start())
	_, err = task.Result()
	require.ErrorIs(t, err, coro.ErrClosed)
	require.Equal(t, int64(0), coro.LiveHandles())
}
