// Parity scenarios 41–43 (coro::mutex) through package coro, plus goroutine waiters, cancellation and Close.
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

func TestMutex(t *testing.T) {
	ctx := context.Background()

	t.Run("mutex single waiter not locked", func(t *testing.T) {
		m := coro.NewMutex()
		defer m.Close()
		var output []uint64
		var tries []bool
		task := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := m.AwaitLock(tk); err != nil {
				return struct{}{}, err
			}
			tries = append(tries, m.TryLock()) // held: false
			output = append(output, 1)
			if err := m.Unlock(); err != nil { // end of the scoped_lock's scope
				return struct{}{}, err
			}
			tries = append(tries, m.TryLock(), m.TryLock()) // true, then false
			return struct{}{}, m.Unlock()
		})
		_, err := coro.SyncWait(ctx, task)
		require.NoError(t, err)
		require.Equal(t, []bool{false, true, false}, tries)
		require.True(t, m.TryLock())
		require.NoError(t, m.Unlock())
		require.Equal(t, []uint64{1}, output)
	})

	t.Run("mutex many waiters until event", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()
		m := coro.NewMutex()
		defer m.Close()
		e := coro.NewEvent(false)
		defer e.Close()
		var value atomic.Uint64
		var lockedWhileHeld atomic.Int64

		blocker := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			if err := m.AwaitLock(tk); err != nil {
				return struct{}{}, err
			}
			if m.TryLock() {
				lockedWhileHeld.Add(1)
			}
			if err := e.Await(tk); err != nil { // hold the lock until the setter runs
				return struct{}{}, err
			}
			return struct{}{}, m.Unlock()
		})
		worker := func() *coro.Task[struct{}] {
			return coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp); err != nil {
					return struct{}{}, err
				}
				if err := m.AwaitLock(tk); err != nil {
					return struct{}{}, err
				}
				if m.TryLock() {
					lockedWhileHeld.Add(1)
				}
				value.Add(1)
				return struct{}{}, m.Unlock()
			})
		}
		setter := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			return struct{}{}, e.Set(coro.LIFO)
		})
		tasks := []coro.AnyTask{blocker, worker(), worker(), worker(), worker(), setter}
		all := coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(tk, tasks...) })
		_, err = coro.SyncWait(ctx, all)
		require.NoError(t, err)
		for _, task := range tasks {
			_, err := task.(*coro.Task[struct{}]).Result()
			require.NoError(t, err)
		}
		require.Zero(t, lockedWhileHeld.Load())
		require.Equal(t, uint64(4), value.Load())
	})

	t.Run("mutex scoped_lock unlock prior to scope exit", func(t *testing.T) {
		m := coro.NewMutex()
		defer m.Close()
		var tries []bool
		task := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := m.AwaitLock(tk); err != nil {
				return struct{}{}, err
			}
			tries = append(tries, m.TryLock())
			if err := m.Unlock(); err != nil { // lk.unlock()
				return struct{}{}, err
			}
			tries = append(tries, m.TryLock())
			// The scoped_lock's destructor does not unlock again: nothing more here.
			return struct{}{}, nil
		})
		_, err := coro.SyncWait(ctx, task)
		require.NoError(t, err)
		require.Equal(t, []bool{false, true}, tries)
		require.False(t, m.TryLock()) // still held by the try_lock inside the task
		require.NoError(t, m.Unlock())
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestMutexGoroutines(t *testing.T) {
	m := coro.NewMutex()
	const goroutines, rounds = 8, 200
	var counter int // guarded by m
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := m.Lock(context.Background()); err != nil {
					t.Error(err)
					return
				}
				counter++
				if err := m.Unlock(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, goroutines*rounds, counter)
	require.ErrorIs(t, m.Unlock(), coro.ErrInvalid) // not locked
	require.NoError(t, m.Close())
	require.NoError(t, m.Close())
	require.ErrorIs(t, m.Lock(context.Background()), coro.ErrClosed)
	require.False(t, m.TryLock())
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

// Goroutines and task bodies contend for the same mutex; some goroutines give up while waiting. The lock must
// never be lost: at the end it is free.
func TestMutexMixedWithCancellation(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	require.NoError(t, err)
	defer tp.Close()
	m := coro.NewMutex()
	var inside, overlap atomic.Int64
	enter := func() {
		if inside.Add(1) != 1 {
			overlap.Add(1)
		}
	}
	leave := func() { inside.Add(-1) }

	var tasks []coro.AnyTask
	for i := 0; i < 8; i++ {
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (struct{}, error) {
			for j := 0; j < 50; j++ {
				if err := tk.Schedule(tp); err != nil {
					return struct{}{}, err
				}
				if err := m.AwaitLock(tk); err != nil {
					return struct{}{}, err
				}
				enter()
				leave()
				if err := m.Unlock(); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		}))
	}
	all := coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(tk, tasks...) })
	require.NoError(t, all.Start())

	var wg sync.WaitGroup
	var cancelled, acquired atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(j%5)*20*time.Microsecond)
				err := m.Lock(ctx)
				cancel()
				if err != nil {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					cancelled.Add(1)
					continue
				}
				acquired.Add(1)
				enter()
				leave()
				assert.NoError(t, m.Unlock())
			}
		}()
	}
	wg.Wait()
	_, err = coro.SyncWait(context.Background(), all)
	require.NoError(t, err)
	require.Zero(t, overlap.Load())
	t.Logf("goroutine locks: %d acquired, %d cancelled", acquired.Load(), cancelled.Load())
	// Nothing was lost: the mutex ends up free (hand-offs of cancelled grants are asynchronous).
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

func TestMutexCloseReleasesWaiters(t *testing.T) {
	m := coro.NewMutex()
	require.True(t, m.TryLock())
	done := make(chan error)
	go func() { done <- m.Lock(context.Background()) }()
	task := coro.NewTask(func(tk *coro.T) (int, error) { return 0, m.AwaitLock(tk) })
	require.NoError(t, task.Start())
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, m.Close())
	require.ErrorIs(t, <-done, coro.ErrClosed)
	require.False(t, task.Done())
	// The holder's Unlock drains the waiters; the task sees the mutex closed.
	require.ErrorIs(t, m.Unlock(), coro.ErrClosed)
	_, err := coro.SyncWait(context.Background(), task)
	require.ErrorIs(t, err, coro.ErrClosed)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
