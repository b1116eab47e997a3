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

// runtime.Goexit (t.FailNow, testify's require) in Go code that an executor thread runs — a Schedule or Spawn
// function, a NewFunc body, Join's combine — used to abort the process ("Goexit called in a thread
// that was not created by the Go runtime"). Now the operation fails with ErrGoexit (a Spawn'ed function's is
// dropped, like its panics), the executor goes on working and nothing leaks. Each case runs in a process of its own
// so that the old behaviour fails the case instead of killing the suite.
func TestGoexitInExecutorCallbacks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	goexitInt := func() (int, error) { runtime.Goexit(); return 1, nil }
	// works checks that ex still runs functions, in order behind whatever was queued before.
	works := func(t *testing.T, ex coro.Executor) {
		n, err := coro.Schedule(ctx, ex, func(context.Context) (int, error) { return 2, nil })
		require.NoError(t, err)
		require.Equal(t, 2, n)
	}
	pool := func(t *testing.T) *coro.ThreadPool { return newPool(t, coro.ThreadPoolOptions{ThreadCount: 1}) }
	sched := func(t *testing.T) *coro.IOScheduler {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	executors := map[string]func(t *testing.T) coro.Executor{
		"thread_pool":  func(t *testing.T) coro.Executor { return pool(t) },
		"io_scheduler": func(t *testing.T) coro.Executor { return sched(t) },
	}
	cases := map[string]func(t *testing.T, ex coro.Executor){
		"Schedule": func(t *testing.T, ex coro.Executor) {
			_, err := coro.Schedule(ctx, ex, func(context.Context) (int, error) { return goexitInt() })
			require.ErrorIs(t, err, coro.ErrGoexit)
		},
		"Spawn": func(t *testing.T, ex coro.Executor) {
			var after atomic.Int32
			spawn := func(fn func()) {
				switch x := ex.(type) {
				case *coro.ThreadPool:
					require.NoError(t, x.Spawn(fn))
				case *coro.IOScheduler:
					require.NoError(t, x.Spawn(fn))
				}
			}
			spawn(func() { runtime.Goexit() })
			for range 3 { // queued behind it: on a pool, in the same batch
				spawn(func() { after.Add(1) })
			}
			works(t, ex)
			require.Equal(t, int32(3), after.Load())
		},
		"NewFunc": func(t *testing.T, ex coro.Executor) {
			_, err := coro.SyncWait(ctx, coro.ScheduleTask(ex, coro.NewFunc(goexitInt)))
			require.ErrorIs(t, err, coro.ErrGoexit)
		},
		"NewFunc awaited by a body": func(t *testing.T, ex coro.Executor) {
			child := coro.NewFunc(goexitInt)
			v, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (int, error) {
				if err := tk.Schedule(ex); err != nil {
					return 0, err
				}
				_, err := coro.Await(tk, child)
				require.ErrorIs(t, err, coro.ErrGoexit)
				return 3, nil
			}))
			require.NoError(t, err)
			require.Equal(t, 3, v)
			require.True(t, child.Done())
		},
		"Join combine": func(t *testing.T, ex coro.Executor) {
			leaf := func() *coro.Task[int] {
				return coro.ScheduleTask(ex, coro.NewFunc(func() (int, error) { return 1, nil }))
			}
			join := coro.Join([]*coro.Task[int]{leaf(), leaf()}, func([]int) (int, error) { return goexitInt() })
			_, err := coro.SyncWait(ctx, join)
			require.ErrorIs(t, err, coro.ErrGoexit)
			// Adopted by a ScheduleTask (a fork-join tree's shape): its combine runs inside the parent's step.
			join = coro.Join([]*coro.Task[int]{leaf(), leaf()}, func([]int) (int, error) { return goexitInt() })
			_, err = coro.SyncWait(ctx, coro.ScheduleTask(ex, join))
			require.ErrorIs(t, err, coro.ErrGoexit)
			require.True(t, join.Done())
		},
		"Join of leaves": func(t *testing.T, ex coro.Executor) {
			bad := coro.NewFunc(goexitInt)
			join := coro.Join([]*coro.Task[int]{coro.NewFunc(func() (int, error) { return 1, nil }), bad},
				func(rs []int) (int, error) { return rs[0] + rs[1], nil })
			_, err := coro.SyncWait(ctx, coro.ScheduleTask(ex, join))
			require.ErrorIs(t, err, coro.ErrGoexit)
			require.True(t, bad.Done())
		},
	}
	for en, mk := range executors {
		for cn, run := range cases {
			t.Run(en+"/"+cn, func(t *testing.T) {
				if !inChild(t) {
					return
				}
				ex := mk(t)
				run(t, ex)
				works(t, ex)
				require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
			})
		}
	}
}
