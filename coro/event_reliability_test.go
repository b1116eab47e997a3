package coro_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Issue 20 #1: Set, Reset and SetOn called while another goroutine closes the event used the C++ event after it
// was freed (SIGSEGV / heap-use-after-free within a few thousand rounds).
func TestEventSetResetRacingCloseIsNoUseAfterFree(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	rounds := 20000
	if testing.Short() {
		rounds = 2000
	}
	for i := 0; i < rounds; i++ {
		e := coro.NewEvent(false)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				var err error
				if j%2 == 0 {
					err = e.Set(coro.LIFO)
				} else {
					err = e.SetOn(tp, coro.FIFO)
				}
				if err == nil {
					err = e.Reset()
				}
				if err != nil {
					if !errors.Is(err, coro.ErrClosed) {
						t.Errorf("set/reset after close: %v, want ErrClosed", err)
					}
					return
				}
			}
		}()
		require.NoError(t, e.Close())
		wg.Wait()
		require.False(t, e.IsSet())
	}
}

// Every method racing Close: each either works or fails with ErrClosed; waiters are released; nothing leaks.
func TestEventEveryMethodRacingClose(t *testing.T) {
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	for i := 0; i < rounds; i++ {
		e := coro.NewEvent(i%2 == 0)
		task := coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, e.Await(tk) })
		var wg sync.WaitGroup
		wg.Add(3)
		go func() {
			defer wg.Done()
			if err := task.Start(); err != nil {
				t.Errorf("start: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := e.Wait(context.Background()); err != nil && !errors.Is(err, coro.ErrClosed) {
				t.Errorf("wait: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			_ = e.IsSet()
			if err := e.Reset(); err != nil && !errors.Is(err, coro.ErrClosed) {
				t.Errorf("reset: %v", err)
			}
		}()
		require.NoError(t, e.Close())
		wg.Wait()
		_, err := coro.SyncWait(context.Background(), task)
		if err != nil {
			require.ErrorIs(t, err, coro.ErrClosed)
		}
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// Close with task bodies and goroutines waiting releases them all with ErrClosed and returns without polling.
func TestEventCloseReleasesManyWaitersOfBothKinds(t *testing.T) {
	e := coro.NewEvent(false)
	const n = 200
	tasks := make([]*coro.Task[struct{}], n)
	for i := range tasks {
		tasks[i] = coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, e.Await(tk) })
		require.NoError(t, tasks[i].Start())
	}
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { errs <- e.Wait(context.Background()) }()
	}
	time.Sleep(10 * time.Millisecond) // let the goroutines block (they may also see the close directly)
	require.NoError(t, e.Close())
	for i := 0; i < n; i++ {
		require.ErrorIs(t, <-errs, coro.ErrClosed)
	}
	for _, task := range tasks {
		require.True(t, task.Done(), "Close resumed the task bodies inline")
		_, err := task.Result()
		require.ErrorIs(t, err, coro.ErrClosed)
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// Issue 20 #3: a Wait cancelled before it started left a native stand-in armed; the stand-in's completion from a
// later Set then satisfied a Wait that started after Reset, on an event that was not set.
func TestEventWaitAfterSetResetIsNotSatisfiedByEarlierSet(t *testing.T) {
	e := coro.NewEvent(false)
	defer e.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	rounds := 2000
	if testing.Short() {
		rounds = 200
	}
	wrong := 0
	for i := 0; i < rounds; i++ {
		require.ErrorIs(t, e.Wait(cancelled), context.Canceled)
		require.NoError(t, e.Set(coro.LIFO))
		require.NoError(t, e.Reset())
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
		if e.Wait(ctx) == nil {
			wrong++
		}
		cancel()
	}
	require.Zero(t, wrong, "Wait returned nil on an unset event")
	require.NoError(t, e.Close())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// Issue 20 #11: the zero Event crashed in C. Every method reports ErrInvalid instead.
func TestEventZeroValueIsInvalid(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	var e coro.Event
	require.False(t, e.IsSet())
	require.ErrorIs(t, e.Set(coro.LIFO), coro.ErrInvalid)
	require.ErrorIs(t, e.SetOn(tp, coro.LIFO), coro.ErrInvalid)
	require.ErrorIs(t, e.Reset(), coro.ErrInvalid)
	require.ErrorIs(t, e.Wait(context.Background()), coro.ErrInvalid)
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
		return 0, e.Await(tk)
	}))
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, e.Close(), coro.ErrInvalid)
}
