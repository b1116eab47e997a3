package adversarial

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// runtime.Goexit (t.FailNow, testify's require) in any Go function an executor runs fails that operation with
// coro.ErrGoexit (or is dropped, for fire-and-forget Spawn), and the executor keeps working: no crash, no hang, no
// handle or thread left behind. (Thread hooks are the exception, documented: they run on the worker thread itself.)
func TestGoexitEveryCallbackKind(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inline, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
	require.NoError(t, err)
	t.Cleanup(func() { _ = inline.Close() })
	executors := map[string]coro.Executor{"ThreadPool": newPool(t, 2), "IOScheduler": newSched(t), "IOScheduler inline": inline}
	exit := func() (int, error) { runtime.Goexit(); return 1, nil }
	threads := procStatus(t, "Threads")
	for name, ex := range executors {
		t.Run(name, func(t *testing.T) {
			spawn := func(fn func()) error { return ex.(interface{ Spawn(func()) error }).Spawn(fn) }
			for range scale(50) {
				_, err := coro.Schedule(ctx, ex, func(context.Context) (int, error) { return exit() })
				require.ErrorIs(t, err, coro.ErrGoexit, "Schedule")

				ran := make(chan struct{})
				require.NoError(t, spawn(func() { runtime.Goexit() }))
				require.NoError(t, spawn(func() { close(ran) }))
				select {
				case <-ran:
				case <-ctx.Done():
					t.Fatal("the executor stopped running functions after a Goexit in Spawn")
				}

				_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (int, error) {
					if err := tk.Schedule(ex); err != nil {
						return 0, err
					}
					return exit()
				}))
				require.ErrorIs(t, err, coro.ErrGoexit, "task body")

				_, err = coro.SyncWait(ctx, coro.ScheduleTask(ex, coro.NewFunc(exit)))
				require.ErrorIs(t, err, coro.ErrGoexit, "NewFunc")

				leaf := func() *coro.Task[int] {
					return coro.ScheduleTask(ex, coro.NewFunc(func() (int, error) { return 1, nil }))
				}
				_, err = coro.SyncWait(ctx, coro.Join([]*coro.Task[int]{leaf(), leaf()}, func([]int) (int, error) { return exit() }))
				require.ErrorIs(t, err, coro.ErrGoexit, "Join's combine")

				// A Goexit-ing child of WhenAll: the parent sees the child's error and goes on.
				_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (int, error) {
					bad := coro.ScheduleTask(ex, coro.NewFunc(exit))
					if err := coro.WhenAll(tk, bad, leaf()); err != nil {
						return 0, err
					}
					_, err := bad.Result()
					return 0, err
				}))
				require.ErrorIs(t, err, coro.ErrGoexit, "WhenAll child")
			}
			n, err := coro.Schedule(ctx, ex, func(context.Context) (int, error) { return 7, nil })
			require.NoError(t, err)
			assert.Equal(t, 7, n, "the executor still works after the Goexits")
		})
	}
	require.True(t, eventually(10*time.Second, func() bool { return coro.LiveHandles() == 0 }), "handles leaked")
	// A guest unlocks its thread before it ends, so Go keeps the thread; none is lost or added per Goexit.
	assert.LessOrEqual(t, procStatus(t, "Threads"), threads+24)
}

// A TaskGroup's members calling runtime.Goexit: a function started with Go has it dropped (as for Spawn) and still
// counts as finished; a task started with Start fails with ErrGoexit. Wait returns and the group goes on.
func TestGoexitTaskGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inline, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
	require.NoError(t, err)
	t.Cleanup(func() { _ = inline.Close() })
	executors := map[string]coro.Executor{"ThreadPool": newPool(t, 2), "IOScheduler": newSched(t), "IOScheduler inline": inline}
	for name, ex := range executors {
		t.Run(name, func(t *testing.T) {
			g, err := coro.NewTaskGroup(ex)
			require.NoError(t, err)
			defer g.Close()
			var ran atomic.Int64
			n := scale(50)
			tasks := make([]*coro.Task[int], n)
			for i := range n {
				require.NoError(t, g.Go(func() { runtime.Goexit() }))
				require.NoError(t, g.Go(func() { ran.Add(1) }))
				tasks[i] = coro.NewFunc(func() (int, error) { runtime.Goexit(); return 1, nil })
				require.NoError(t, g.Start(tasks[i]))
			}
			require.NoError(t, g.Wait(ctx), "the group never emptied after its members called Goexit")
			assert.Zero(t, g.Size())
			assert.EqualValues(t, n, ran.Load(), "functions started next to the Goexit ones")
			for _, task := range tasks {
				_, err := task.Result()
				require.ErrorIs(t, err, coro.ErrGoexit)
			}
			require.NoError(t, g.Go(func() { ran.Add(1) }))
			require.NoError(t, g.Wait(ctx))
			assert.EqualValues(t, n+1, ran.Load(), "the group still runs functions after the Goexits")
		})
	}
	require.True(t, eventually(10*time.Second, func() bool { return coro.LiveHandles() == 0 }), "handles leaked")
}
