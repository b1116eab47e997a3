package coro_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// The event's state lives in Go (event.go): these tests cover its transitions against the C++ event that task
// bodies await.

// awaiter makes a task body that awaits e, of either model.
func awaiter(e *coro.Event, goroutine bool) *coro.Task[struct{}] {
	body := func(tk *coro.T) (struct{}, error) { return struct{}{}, e.Await(tk) }
	if goroutine {
		return coro.NewGoroutineTask(body)
	}
	return coro.NewTask(body)
}

// syncWaitBounded is SyncWait with a generous deadline, so that a body left suspended fails the test instead of
// hanging it.
func syncWaitBounded(t *testing.T, task *coro.Task[struct{}]) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := coro.SyncWait(ctx, task)
	require.NotErrorIs(t, err, context.DeadlineExceeded, "the body stayed suspended on the event")
	return err
}

// While no task body awaits the event, it stays in Go (no C++ event is even made): a cgo call costs microseconds
// when it is the first after an idle period.
func TestEventWithoutNativeWaitersMakesNoCgoCall(t *testing.T) {
	const n = 1000
	before := runtime.NumCgoCall()
	for i := 0; i < n; i++ {
		e := coro.NewEvent(false)
		require.False(t, e.IsSet())
		require.NoError(t, e.Set(coro.LIFO))
		require.True(t, e.IsSet())
		require.NoError(t, e.Wait(context.Background()))
		require.NoError(t, e.Reset())
		require.NoError(t, e.Close())
	}
	// Other goroutines of the test binary may make a few cgo calls meanwhile; the events made 6n before.
	require.Less(t, runtime.NumCgoCall()-before, int64(n/10))
}

// A body that awaits a set event does not suspend (libcoro's await_ready), also after a Set that found no body
// awaiting and so left the C++ event unset.
func TestEventAwaitOfSetEventDoesNotSuspend(t *testing.T) {
	for _, initially := range []bool{true, false} {
		e := coro.NewEvent(initially)
		if !initially {
			require.NoError(t, e.Set(coro.LIFO))
		}
		task := awaiter(e, false)
		require.NoError(t, task.Start())
		require.True(t, task.Done(), "the body ran to its end inside Start")
		_, err := task.Result()
		require.NoError(t, err)
		require.NoError(t, e.Close())
	}
}

// A Set that resumed bodies set the C++ event too; Reset must reset it, or a body awaiting afterwards would pass.
func TestEventResetAfterSetWithBodiesMakesLaterAwaitSuspend(t *testing.T) {
	e := coro.NewEvent(false)
	defer e.Close()
	for i := 0; i < 3; i++ {
		first := awaiter(e, false)
		require.NoError(t, first.Start())
		require.False(t, first.Done())
		require.NoError(t, e.Set(coro.FIFO))
		require.True(t, first.Done(), "Set resumed the body inline")
		require.NoError(t, e.Reset())
		require.False(t, e.IsSet())

		second := awaiter(e, false)
		require.NoError(t, second.Start())
		time.Sleep(time.Millisecond)
		require.False(t, second.Done(), "a body awaiting after Reset passed a stale C++ set")
		require.NoError(t, e.Set(coro.LIFO))
		require.True(t, second.Done())
		require.NoError(t, e.Reset())
	}
}

// Set racing a body's registration: the body counted itself (found the event unset) but has not reached the C++
// event yet when Set runs. Set must see the count and set the C++ event, which the body then finds set.
func TestEventSetRacingAwaitRegistrationResumesTheBody(t *testing.T) {
	rounds := 2000
	if testing.Short() {
		rounds = 200
	}
	for _, goroutine := range []bool{false, true} {
		for i := 0; i < rounds; i++ {
			e := coro.NewEvent(false)
			task := awaiter(e, goroutine)
			started := make(chan error, 1)
			go func() { started <- task.Start() }()
			if i%2 == 0 {
				runtime.Gosched()
			}
			require.NoError(t, e.Set(coro.ResumeOrder(i%2)))
			require.NoError(t, <-started)
			require.NoError(t, syncWaitBounded(t, task))
			require.NoError(t, e.Close())
		}
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// Set and Reset racing each other while bodies await: whatever the interleaving, once both stopped and a last
// Reset returned, the event is unset in C++ too (a new body suspends), and the next Set resumes it.
func TestEventSetRacingResetLeavesNoStaleNativeSet(t *testing.T) {
	rounds := 40
	if testing.Short() {
		rounds = 5
	}
	for r := 0; r < rounds; r++ {
		e := coro.NewEvent(false)
		const bodies, awaits = 4, 100
		tasks := make([]*coro.Task[struct{}], bodies)
		for i := range tasks {
			tasks[i] = coro.NewGoroutineTask(func(tk *coro.T) (struct{}, error) {
				for j := 0; j < awaits; j++ {
					if err := e.Await(tk); err != nil {
						return struct{}{}, err
					}
				}
				return struct{}{}, nil
			})
			require.NoError(t, tasks[i].Start())
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // keeps setting until every body is done, so none stays suspended
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := e.Set(coro.ResumeOrder(i % 2)); err != nil {
					t.Errorf("set: %v", err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := e.Reset(); err != nil {
					t.Errorf("reset: %v", err)
					return
				}
				runtime.Gosched()
			}
		}()
		for _, task := range tasks {
			require.NoError(t, syncWaitBounded(t, task))
		}
		close(stop)
		wg.Wait()

		require.NoError(t, e.Reset())
		require.False(t, e.IsSet())
		late := awaiter(e, false)
		require.NoError(t, late.Start())
		time.Sleep(time.Millisecond)
		require.False(t, late.Done(), "round %d: a body awaiting the reset event passed a stale C++ set", r)
		require.NoError(t, e.Set(coro.LIFO))
		require.True(t, late.Done())
		require.NoError(t, e.Close())
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// Close racing bodies of both models at every point of their Await (before counting, counted but not registered,
// suspended): each ends with nil (the event was set first) or ErrClosed, none stays suspended, nothing leaks.
func TestEventCloseRacingAwaitReleasesEveryBody(t *testing.T) {
	rounds := 1000
	if testing.Short() {
		rounds = 100
	}
	for i := 0; i < rounds; i++ {
		e := coro.NewEvent(false)
		tasks := []*coro.Task[struct{}]{awaiter(e, false), awaiter(e, true), awaiter(e, false), awaiter(e, true)}
		var wg sync.WaitGroup
		for _, task := range tasks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := task.Start(); err != nil {
					t.Errorf("start: %v", err)
				}
			}()
		}
		if i%3 == 0 {
			require.NoError(t, e.Set(coro.LIFO))
		}
		require.NoError(t, e.Close())
		wg.Wait()
		for _, task := range tasks {
			if err := syncWaitBounded(t, task); err != nil && !errors.Is(err, coro.ErrClosed) {
				t.Fatalf("await: %v, want nil or ErrClosed", err)
			}
		}
		require.ErrorIs(t, e.Set(coro.LIFO), coro.ErrClosed)
		require.False(t, e.IsSet())
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
