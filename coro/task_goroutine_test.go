package coro_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Every kind of await works from a goroutine body: scheduling, yielding, timers, events set later by another
// body, mutexes, children of both models (awaited, joined, raced) and leaves.
func TestGoroutineTaskAwaits(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	defer s.Close()
	ev := coro.NewEvent(false)
	defer ev.Close()
	m := coro.NewMutex()
	defer m.Close()

	setter := coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		if err := tk.YieldFor(s, time.Millisecond); err != nil {
			return 0, err
		}
		return 1, ev.Set(coro.FIFO)
	})
	waiter := coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		if err := tk.Schedule(tp); err != nil {
			return 0, err
		}
		return 2, ev.Await(tk)
	})
	exact := coro.NewTask(func(tk *coro.T) (int, error) {
		if err := tk.Yield(tp); err != nil {
			return 0, err
		}
		return 3, nil
	})
	task := coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		if err := tk.Schedule(tp); err != nil {
			return 0, err
		}
		if err := tk.Yield(s); err != nil {
			return 0, err
		}
		if err := m.AwaitLock(tk); err != nil {
			return 0, err
		}
		if err := m.Unlock(); err != nil {
			return 0, err
		}
		if err := coro.WhenAll(tk, setter, waiter, exact); err != nil {
			return 0, err
		}
		leaf, err := coro.Await(tk, coro.ScheduleTask(tp, coro.NewFunc(func() (int, error) { return 4, nil })))
		if err != nil {
			return 0, err
		}
		child, err := coro.Await(tk, coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
			return 5, tk.Yield(tp)
		}))
		if err != nil {
			return 0, err
		}
		sum := leaf + child
		for _, c := range []*coro.Task[int]{setter, waiter, exact} {
			v, err := c.Result()
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
	v, err := coro.SyncWait(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, 15, v)
}

// A goroutine body awaited by a NewTask body (and the other way round) hands its result across the models.
func TestGoroutineTaskInsideCallbackTask(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	outer := coro.NewTask(func(tk *coro.T) (int, error) {
		if err := tk.Schedule(tp); err != nil {
			return 0, err
		}
		return coro.Await(tk, coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
			if err := tk.Yield(tp); err != nil {
				return 0, err
			}
			return coro.Await(tk, coro.NewTask(func(tk *coro.T) (int, error) { return 7, tk.Yield(tp) }))
		}))
	})
	v, err := coro.SyncWait(context.Background(), outer)
	require.NoError(t, err)
	require.Equal(t, 7, v)
}

// WhenAny over goroutine bodies returns the first to finish; the loser still completes and is released.
func TestGoroutineTaskWhenAny(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	defer s.Close()
	sleeper := func(d time.Duration, v int) *coro.Task[int] {
		return coro.NewGoroutineTask(func(tk *coro.T) (int, error) { return v, tk.YieldFor(s, d) })
	}
	// A wide margin: under load a 50 ms sleeper sometimes won against a 1 ms one.
	slow, fast := sleeper(time.Second, 1), sleeper(time.Millisecond, 2)
	i, err := coro.SyncWait(context.Background(), coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		return coro.WhenAny(tk, slow, fast)
	}))
	require.NoError(t, err)
	require.Equal(t, 1, i)
	v, err := coro.SyncWait(context.Background(), slow)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// Bodies run on their own goroutines: while one blocks (here on a channel, outside any await) the others on a
// 1-thread pool still run, which NewTask's model would not allow.
func TestGoroutineTaskDoesNotHoldExecutorThread(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	release := make(chan struct{})
	blocker := coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		if err := tk.Schedule(tp); err != nil {
			return 0, err
		}
		<-release
		return 1, nil
	})
	require.NoError(t, blocker.Start())
	other, err := coro.SyncWait(context.Background(), coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		return 2, tk.Schedule(tp)
	}))
	require.NoError(t, err)
	require.Equal(t, 2, other)
	close(release)
	v, err := coro.SyncWait(context.Background(), blocker)
	require.NoError(t, err)
	require.Equal(t, 1, v)
}

// Panics, Goexit and await errors end a goroutine body with an error, before or after its first await.
func TestGoroutineTaskFailures(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	cases := map[string]func(tk *coro.T) (int, error){
		"panic before await": func(*coro.T) (int, error) { panic("boom") },
		"panic after await":  func(tk *coro.T) (int, error) { _ = tk.Schedule(tp); panic("boom") },
		"goexit after await": func(tk *coro.T) (int, error) { _ = tk.Schedule(tp); runtime.Goexit(); return 0, nil },
		"goexit before":      func(*coro.T) (int, error) { runtime.Goexit(); return 0, nil },
	}
	for name, body := range cases {
		_, err := coro.SyncWait(context.Background(), coro.NewGoroutineTask(body))
		require.Error(t, err, name)
	}
	var kept *coro.T
	_, err := coro.SyncWait(context.Background(), coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		kept = tk
		return 0, tk.Schedule(tp)
	}))
	require.NoError(t, err)
	require.ErrorIs(t, kept.Schedule(tp), coro.ErrTaskEnded)
}

// Many goroutine bodies through many awaits each: every await completes exactly once and nothing leaks.
func TestGoroutineTaskManyAwaits(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	ev := coro.NewEvent(false)
	defer ev.Close()
	const bodies, rounds = 200, 50
	var done atomic.Int64
	tasks := make([]coro.AnyTask, bodies)
	for i := range tasks {
		tasks[i] = coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
			for r := 0; r < rounds; r++ {
				if err := tk.Yield(tp); err != nil {
					return 0, err
				}
			}
			if err := ev.Await(tk); err != nil {
				return 0, err
			}
			done.Add(1)
			return 0, nil
		})
	}
	go func() { time.Sleep(10 * time.Millisecond); _ = ev.Set(coro.FIFO) }()
	_, err := coro.SyncWait(context.Background(), coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		return 0, coro.WhenAll(tk, tasks...)
	}))
	require.NoError(t, err)
	require.Equal(t, int64(bodies), done.Load())
}
