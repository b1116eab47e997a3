// Parity scenarios (tests/scenarios.tsv) for coro::thread_pool, driven through package coro. Subtest names are
// the scenarios' exact strings.
package gotest

import (
	"context"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
)

func newPool(t *testing.T, opts coro.ThreadPoolOptions) *coro.ThreadPool {
	t.Helper()
	tp, err := coro.NewThreadPool(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tp.Close()) })
	return tp
}

// scheduled is the parity tests' usual task: move onto tp, then return v.
func scheduled[V any](tp *coro.ThreadPool, v V) *coro.Task[V] {
	return coro.NewTask(func(tk *coro.T) (V, error) {
		if err := tk.Schedule(tp); err != nil {
			var zero V
			return zero, err
		}
		return v, nil
	})
}

func sumAll(t *testing.T, tasks []*coro.Task[uint64]) uint64 {
	t.Helper()
	var sum uint64
	for _, task := range tasks {
		v, err := task.Result()
		require.NoError(t, err)
		sum += v
	}
	return sum
}

// whenAll runs coro.WhenAll over tasks from a fresh task and waits for it (sync_wait(when_all(...))).
func whenAll[V any](t *testing.T, tasks []*coro.Task[V]) {
	t.Helper()
	anys := make([]coro.AnyTask, len(tasks))
	for i, task := range tasks {
		anys[i] = task
	}
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
		return struct{}{}, coro.WhenAll(tk, anys...)
	}))
	require.NoError(t, err)
}

func TestThreadPool(t *testing.T) {
	ctx := context.Background()

	t.Run("thread_pool one worker one task", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		result, err := coro.SyncWait(ctx, scheduled(tp, uint64(42)))
		require.NoError(t, err)
		require.Equal(t, uint64(42), result)

		// The direct form: a plain Go function run on a pool thread.
		result, err = coro.Schedule(ctx, tp, func(context.Context) (uint64, error) { return 42, nil })
		require.NoError(t, err)
		require.Equal(t, uint64(42), result)
	})

	t.Run("thread_pool one worker many tasks tuple", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		tasks := []*coro.Task[uint64]{scheduled(tp, uint64(50)), scheduled(tp, uint64(50)), scheduled(tp, uint64(50)),
			scheduled(tp, uint64(50)), scheduled(tp, uint64(50))}
		whenAll(t, tasks)
		require.Len(t, tasks, 5)
		require.Equal(t, uint64(250), sumAll(t, tasks))
	})

	t.Run("thread_pool one worker many tasks vector", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		tasks := []*coro.Task[uint64]{scheduled(tp, uint64(50)), scheduled(tp, uint64(50)), scheduled(tp, uint64(50))}
		whenAll(t, tasks)
		require.Equal(t, uint64(150), sumAll(t, tasks))
	})

	t.Run("thread_pool N workers 100k tasks", func(t *testing.T) {
		const iterations = 100_000
		tp := newPool(t, coro.ThreadPoolOptions{})
		tasks := make([]*coro.Task[uint64], iterations)
		for i := range tasks {
			tasks[i] = scheduled(tp, uint64(1))
		}
		whenAll(t, tasks)
		require.Equal(t, uint64(iterations), sumAll(t, tasks))
	})

	t.Run("thread_pool 1 worker task spawns another task", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		f1 := coro.NewTask(func(tk *coro.T) (uint64, error) {
			if err := tk.Schedule(tp); err != nil {
				return 0, err
			}
			v, err := coro.Await(tk, scheduled(tp, uint64(5)))
			return 1 + v, err
		})
		v, err := coro.SyncWait(ctx, f1)
		require.NoError(t, err)
		require.Equal(t, uint64(6), v)
	})

	t.Run("thread_pool shutdown", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		require.NoError(t, tp.Close())

		// libcoro: schedule() throws after shutdown; here every operation reports ErrClosed.
		thrown, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (bool, error) {
			return tk.Schedule(tp) != nil, nil
		}))
		require.NoError(t, err)
		require.True(t, thrown)
		_, err = coro.Schedule(ctx, tp, func(context.Context) (bool, error) { return false, nil })
		require.ErrorIs(t, err, coro.ErrClosed)
		require.ErrorIs(t, tp.Spawn(func() {}), coro.ErrClosed)
		require.NoError(t, tp.Close(), "a second Close is harmless")
	})

	t.Run("thread_pool event jump threads", func(t *testing.T) {
		tp1 := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		tp2 := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		// One round: a waits on tp1, b sets the event from tp2 a little later; a resumes on tp2's thread. When a
		// busy machine delays a so much that b sets the event first, a does not suspend at all and stays on tp1,
		// so a few rounds are allowed: a core that resumed waiters on their old thread fails every round.
		round := func() (before, after int) {
			e := coro.NewEvent(false)
			defer e.Close()
			var started atomic.Bool
			a := coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp1); err != nil {
					return struct{}{}, err
				}
				before = tk.ThreadID()
				started.Store(true)
				err := e.Await(tk)
				after = tk.ThreadID()
				return struct{}{}, err
			})
			b := coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp2); err != nil {
					return struct{}{}, err
				}
				for !started.Load() {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(10 * time.Millisecond)
				return struct{}{}, e.Set(coro.LIFO)
			})
			whenAll(t, []*coro.Task[struct{}]{a, b})
			return before, after
		}
		for i := 0; ; i++ {
			before, after := round()
			if before != after || i == 4 {
				require.NotEqual(t, before, after)
				break
			}
		}
	})

	t.Run("thread_pool high cpu usage when threadcount is greater than the number of tasks", func(t *testing.T) {
		// Idle workers must sleep: ~15 s of wall time, with one worker idle throughout.
		var before, after syscall.Rusage
		require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &before))
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 3})
		waitFor := func(delay time.Duration) *coro.Task[struct{}] {
			return coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp); err != nil {
					return struct{}{}, err
				}
				for i := 0; i < 5; i++ {
					time.Sleep(delay)
					t.Logf("%d wait for %v", time.Now().UnixNano(), delay)
				}
				return struct{}{}, nil
			})
		}
		whenAll(t, []*coro.Task[struct{}]{waitFor(time.Second), waitFor(3 * time.Second)})
		require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &after))
		cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
		require.Less(t, cpu, 5*time.Second, "a spinning worker would burn ~15 s")
	})

	t.Run("issue-287", func(t *testing.T) {
		const iterations = 200_000
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		var count atomic.Uint32
		for i := 0; i < iterations; i++ {
			require.NoError(t, tp.Spawn(func() { count.Add(1) }))
		}
		require.NoError(t, tp.Close())
		require.Equal(t, uint32(iterations), count.Load())
	})

	t.Run("thread_pool::spawn", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
		require.NoError(t, err)
		var counter atomic.Uint64
		for _, amount := range []uint64{1, 2, 3} {
			require.NoError(t, tp.Spawn(func() { counter.Add(amount) }))
		}
		require.NoError(t, tp.Close())
		require.Equal(t, uint64(6), counter.Load())
	})

	t.Run("thread_pool::schedule(task)", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
		var counter uint64
		var coroutineTid int
		makeTask := func(value uint64) *coro.Task[uint64] {
			return coro.NewTask(func(tk *coro.T) (uint64, error) {
				coroutineTid = tk.ThreadID()
				return value, nil
			})
		}
		runtime.LockOSThread()
		mainTid := syscall.Gettid()
		v, err := coro.SyncWait(ctx, coro.ScheduleTask(tp, makeTask(53)))
		runtime.UnlockOSThread()
		require.NoError(t, err)
		counter += v
		require.Equal(t, uint64(53), counter)
		require.NotEqual(t, mainTid, coroutineTid)
	})

	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// No descriptor or handle may outlive the suite.
func TestMain(m *testing.M) { leakcheck.Main(m, 5*time.Second, nil) }
