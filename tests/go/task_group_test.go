// Parity scenarios 346–349 and 447 (coro::task_group, libcoro v0.16) through package coro, plus Go functions,
// waiting goroutines, refused starts and Close.
package gotest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestTaskGroup(t *testing.T) {
	ctx := context.Background()
	none := struct{}{}
	onePool := func(t *testing.T) *coro.ThreadPool {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		t.Cleanup(func() { _ = tp.Close() })
		return tp
	}
	// sync_wait(group): a task body awaiting the group.
	syncWait := func(t *testing.T, g *coro.TaskGroup) {
		_, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, g.Await(tk) }))
		require.NoError(t, err)
	}

	t.Run("task_group schedule single task", func(t *testing.T) {
		s := onePool(t)
		canStart := coro.NewEvent(false)
		defer canStart.Close()
		var value atomic.Int64
		g, err := coro.NewTaskGroup(s)
		require.NoError(t, err)
		defer g.Close()
		require.NoError(t, g.Start(coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := canStart.Await(tk); err != nil {
				return none, err
			}
			value.Store(37)
			return none, nil
		})))
		require.Equal(t, 1, g.Size())
		require.NoError(t, canStart.SetOn(s, coro.LIFO))
		syncWait(t, g)
		require.EqualValues(t, 37, value.Load())
		require.True(t, g.Empty())
	})

	t.Run("task_group submit multiple tasks", func(t *testing.T) {
		s := onePool(t)
		var counter atomic.Int64
		g, err := coro.NewTaskGroup(s)
		require.NoError(t, err)
		defer g.Close()
		for range 1000 {
			require.NoError(t, g.Start(coro.NewFunc(func() (struct{}, error) {
				counter.Add(1)
				return none, nil
			})))
		}
		syncWait(t, g)
		require.True(t, g.Empty())
		require.EqualValues(t, 1000, counter.Load())
	})

	t.Run("task_group start multiple tasks", func(t *testing.T) {
		s := onePool(t)
		latch := coro.NewLatch(1000)
		defer latch.Close()
		var counter atomic.Int64
		g, err := coro.NewTaskGroup(s)
		require.NoError(t, err)
		defer g.Close()
		for range 1000 {
			require.NoError(t, g.Start(coro.NewTask(func(tk *coro.T) (struct{}, error) {
				counter.Add(1)
				return none, latch.CountDown(1)
			})))
		}
		require.NoError(t, latch.Wait(ctx))
		syncWait(t, g)
		require.True(t, g.Empty())
		require.EqualValues(t, 1000, counter.Load())
	})

	t.Run("task_group empty multiple times with event", func(t *testing.T) {
		tp := onePool(t)
		e1, e2 := coro.NewEvent(false), coro.NewEvent(false)
		defer e1.Close()
		defer e2.Close()
		waitOn := func(e *coro.Event) *coro.Task[struct{}] {
			return coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, e.Await(tk) })
		}
		g, err := coro.NewTaskGroup(tp)
		require.NoError(t, err)
		defer g.Close()
		require.NoError(t, g.Start(waitOn(e1)))
		require.Equal(t, 1, g.Size())
		require.NoError(t, e1.Set(coro.LIFO))
		syncWait(t, g)
		require.True(t, g.Empty())
		require.NoError(t, g.Start(waitOn(e2)))
		require.Equal(t, 1, g.Size())
		require.NoError(t, e2.Set(coro.LIFO))
		syncWait(t, g)
		require.True(t, g.Empty())
	})

	t.Run("task_group schedule no tasks", func(t *testing.T) {
		s := onePool(t)
		g, err := coro.NewTaskGroup(s)
		require.NoError(t, err)
		defer g.Close()
		require.True(t, g.Empty())
		syncWait(t, g) // returns at once (HEAD; v0.16.0 hung here)
		require.NoError(t, g.Wait(ctx))
	})
}

func TestTaskGroupGoFunctionsAndWait(t *testing.T) {
	io, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	require.NoError(t, err)
	defer io.Close()
	g, err := coro.NewTaskGroup(io)
	require.NoError(t, err)
	release := make(chan struct{})
	var ran atomic.Int64
	for range 10 {
		require.NoError(t, g.Go(func() {
			<-release
			ran.Add(1)
		}))
	}
	require.NoError(t, g.Go(func() {
		<-release
		panic("dropped")
	}))
	require.Equal(t, 11, g.Size())

	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, g.Wait(cctx), context.DeadlineExceeded)

	done := make(chan error, 1)
	go func() { done <- g.Wait(context.Background()) }()
	close(release)
	require.NoError(t, <-done)
	require.EqualValues(t, 10, ran.Load())
	require.True(t, g.Empty())

	task := coro.NewFunc(func() (int, error) { return 1, nil })
	_, err = coro.SyncWait(context.Background(), task)
	require.NoError(t, err)
	require.ErrorIs(t, g.Start(task), coro.ErrTaskBusy) // already ran
	require.True(t, g.Empty())

	require.NoError(t, g.Close())
	require.NoError(t, g.Close())
	require.ErrorIs(t, g.Go(func() {}), coro.ErrClosed)
	require.ErrorIs(t, g.Wait(context.Background()), coro.ErrClosed)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestTaskGroupRefusedAndClose(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	g, err := coro.NewTaskGroup(tp)
	require.NoError(t, err)

	// A body waiting on a busy group is released by Close with ErrClosed; the member still finishes.
	gate := coro.NewEvent(false)
	defer gate.Close()
	member := coro.NewTask(func(tk *coro.T) (int, error) { return 7, gate.Await(tk) })
	require.NoError(t, g.Start(member))
	waiter := coro.NewTask(func(tk *coro.T) (struct{}, error) { return struct{}{}, g.Await(tk) })
	require.NoError(t, waiter.Start())
	require.NoError(t, g.Close())
	_, err = waiter.Result()
	require.ErrorIs(t, err, coro.ErrClosed)
	require.ErrorIs(t, g.Start(coro.NewFunc(func() (int, error) { return 0, nil })), coro.ErrClosed)
	require.NoError(t, gate.Set(coro.LIFO))
	waitUntil(t, func() bool { return member.Done() })
	v, err := member.Result()
	require.NoError(t, err)
	require.Equal(t, 7, v)

	// A closed executor refuses the start: nothing is counted and the task stays startable.
	g2, err := coro.NewTaskGroup(tp)
	require.NoError(t, err)
	defer g2.Close()
	require.NoError(t, tp.Close())
	task := coro.NewFunc(func() (int, error) { return 3, nil })
	require.ErrorIs(t, g2.Start(task), coro.ErrClosed)
	require.True(t, g2.Empty())
	v, err = coro.SyncWait(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, 3, v)

	_, err = coro.NewTaskGroup(nil)
	require.ErrorIs(t, err, coro.ErrInvalid)
	var nilTask *coro.Task[int]
	require.ErrorIs(t, g2.Start(nilTask), coro.ErrInvalid)
	require.ErrorIs(t, g2.Start(nil), coro.ErrInvalid)
	var zero coro.TaskGroup
	require.ErrorIs(t, zero.Start(task), coro.ErrInvalid)
	require.ErrorIs(t, zero.Wait(context.Background()), coro.ErrInvalid)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestTaskGroupGoroutineTasksAndWaiters(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	require.NoError(t, err)
	defer tp.Close()
	g, err := coro.NewTaskGroup(tp)
	require.NoError(t, err)
	defer g.Close()
	gate := coro.NewEvent(false)
	defer gate.Close()
	var ran atomic.Int64
	for range 50 {
		require.NoError(t, g.Start(coro.NewGoroutineTask(func(tk *coro.T) (struct{}, error) {
			if err := gate.Await(tk); err != nil {
				return struct{}{}, err
			}
			ran.Add(1)
			return struct{}{}, nil
		})))
	}
	// Waiters of both kinds, registered while the group is busy.
	bodies := make([]*coro.Task[int64], 3)
	for i := range bodies {
		bodies[i] = coro.NewGoroutineTask(func(tk *coro.T) (int64, error) {
			if err := g.Await(tk); err != nil {
				return 0, err
			}
			return ran.Load(), nil
		})
		require.NoError(t, bodies[i].Start())
	}
	done := make(chan error, 1)
	go func() { done <- g.Wait(context.Background()) }()
	require.Equal(t, 50, g.Size())
	require.NoError(t, gate.SetOn(tp, coro.LIFO))
	require.NoError(t, <-done)
	for _, b := range bodies {
		waitUntil(t, b.Done) // started above
		v, err := b.Result()
		require.NoError(t, err)
		require.EqualValues(t, 50, v)
	}
	require.True(t, g.Empty())
}
