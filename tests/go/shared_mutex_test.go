// Parity scenarios 44–45 (coro::shared_mutex) through package coro, plus goroutine waiters, cancellation and
// Close.
package gotest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestSharedMutex(t *testing.T) {
	ctx := context.Background()
	none := struct{}{}

	t.Run("mutex single waiter not locked exclusive", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()
		m, err := coro.NewSharedMutex(tp)
		require.NoError(t, err)
		defer m.Close()
		var output []uint64
		var tries []bool
		task := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := m.AwaitLock(tk); err != nil {
				return none, err
			}
			tries = append(tries, m.TryLock(), m.TryLockShared()) // both false while held
			output = append(output, 1)
			if err := m.Unlock(); err != nil {
				return none, err
			}
			tries = append(tries, m.TryLock())
			return none, m.Unlock()
		})
		_, err = coro.SyncWait(ctx, task)
		require.NoError(t, err)
		require.Equal(t, []bool{false, false, true}, tries)
		require.True(t, m.TryLock())
		require.NoError(t, m.Unlock())
		require.Equal(t, []uint64{1}, output)
	})

	t.Run("mutex single waiter not locked shared", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()
		m, err := coro.NewSharedMutex(tp)
		require.NoError(t, err)
		defer m.Close()
		var output []uint64
		var tries []bool
		task := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := m.AwaitLockShared(tk); err != nil {
				return none, err
			}
			tries = append(tries, m.TryLock())       // false: shared-held
			tries = append(tries, m.TryLockShared()) // true: a second shared holder
			output = append(output, 1)
			if err := m.UnlockShared(); err != nil { // the manual unlock_shared()
				return none, err
			}
			if err := m.UnlockShared(); err != nil { // end of the scoped lock's scope
				return none, err
			}
			tries = append(tries, m.TryLock())
			return none, m.Unlock()
		})
		_, err = coro.SyncWait(ctx, task)
		require.NoError(t, err)
		require.Equal(t, []bool{false, true, true}, tries)
		require.True(t, m.TryLockShared())
		require.NoError(t, m.UnlockShared())
		require.True(t, m.TryLock())
		require.NoError(t, m.Unlock())
		require.Equal(t, []uint64{1}, output)
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

// Writer preference and the hand-off rules, with goroutines: readers hold, a writer queues, later readers queue
// behind it; releasing the readers admits the writer, releasing it admits the later readers together.
func TestSharedMutexWriterPreference(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	require.NoError(t, err)
	defer tp.Close()
	m, err := coro.NewSharedMutex(tp)
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, m.LockShared(ctx))
	require.NoError(t, m.LockShared(ctx))
	writer := make(chan error)
	go func() { writer <- m.Lock(ctx) }()
	waitUntil(t, func() bool { return !m.TryLockShared() }) // the writer is queued: new readers must wait
	readers := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() { readers <- m.LockShared(ctx) }()
	}
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, m.UnlockShared())
	select {
	case <-writer:
		t.Fatal("writer admitted while a reader holds the lock")
	case <-time.After(5 * time.Millisecond):
	}
	require.NoError(t, m.UnlockShared())
	require.NoError(t, <-writer)
	require.Len(t, readers, 0)
	require.NoError(t, m.Unlock())
	for i := 0; i < 3; i++ {
		require.NoError(t, <-readers)
	}
	require.False(t, m.TryLock())
	for i := 0; i < 3; i++ {
		require.NoError(t, m.UnlockShared())
	}
	require.ErrorIs(t, m.UnlockShared(), coro.ErrInvalid)
	require.True(t, m.TryLock())
	require.NoError(t, m.Unlock())
	require.NoError(t, m.Close())
	require.NoError(t, m.Close())
	require.ErrorIs(t, m.Lock(ctx), coro.ErrClosed)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

// Task bodies and goroutines, readers and writers, with cancellations: exclusion holds and no hold is lost.
func TestSharedMutexMixedWithCancellation(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	require.NoError(t, err)
	defer tp.Close()
	m, err := coro.NewSharedMutex(tp)
	require.NoError(t, err)
	var readers, writers, bad atomic.Int64
	check := func() {
		if writers.Load() > 1 || (writers.Load() == 1 && readers.Load() > 0) {
			bad.Add(1)
		}
	}
	read := func() { readers.Add(1); check(); readers.Add(-1) }
	write := func() { writers.Add(1); check(); writers.Add(-1) }

	var tasks []coro.AnyTask
	for i := 0; i < 6; i++ {
		excl := i%3 == 0
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (struct{}, error) {
			for j := 0; j < 30; j++ {
				if err := tk.Schedule(tp); err != nil {
					return struct{}{}, err
				}
				if excl {
					if err := m.AwaitLock(tk); err != nil {
						return struct{}{}, err
					}
					write()
					if err := m.Unlock(); err != nil {
						return struct{}{}, err
					}
				} else {
					if err := m.AwaitLockShared(tk); err != nil {
						return struct{}{}, err
					}
					read()
					if err := m.UnlockShared(); err != nil {
						return struct{}{}, err
					}
				}
			}
			return struct{}{}, nil
		}))
	}
	all := coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(tk, tasks...) })
	require.NoError(t, all.Start())
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		excl := g%2 == 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 60; j++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(j%4)*30*time.Microsecond+time.Microsecond)
				if excl {
					if err := m.Lock(ctx); err == nil {
						write()
						assert.NoError(t, m.Unlock())
					} else {
						assert.ErrorIs(t, err, context.DeadlineExceeded)
					}
				} else {
					if err := m.LockShared(ctx); err == nil {
						read()
						assert.NoError(t, m.UnlockShared())
					} else {
						assert.ErrorIs(t, err, context.DeadlineExceeded)
					}
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	_, err = coro.SyncWait(context.Background(), all)
	require.NoError(t, err)
	for _, task := range tasks {
		_, err := task.(*coro.Task[struct{}]).Result()
		require.NoError(t, err)
	}
	require.Zero(t, bad.Load())
	waitUntil(t, func() bool {
		if m.TryLock() {
			require.NoError(t, m.Unlock())
			return true
		}
		return false
	})
	require.NoError(t, m.Close())
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

// Closing the pool first: shared waiters woken afterwards run inline instead of being dropped.
func TestSharedMutexPoolClosedFirst(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	m, err := coro.NewSharedMutex(tp)
	require.NoError(t, err)
	require.True(t, m.TryLock())
	reader := coro.NewTask(func(tk *coro.T) (int, error) {
		if err := m.AwaitLockShared(tk); err != nil {
			return 0, err
		}
		return 7, m.UnlockShared()
	})
	require.NoError(t, reader.Start())
	require.NoError(t, tp.Close())
	require.NoError(t, m.Unlock())
	v, err := coro.SyncWait(context.Background(), reader)
	require.NoError(t, err)
	require.Equal(t, 7, v)
	require.NoError(t, m.Close())
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
