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

// lazyTree is forkTree with JoinFunc nodes: each node makes its children when it runs. made counts the nodes that
// made theirs; onLeaf runs in every leaf.
func lazyTree(tp *coro.ThreadPool, fanout int64, made *atomic.Int64,
	onLeaf func(num int64) (int64, error)) func(num, size int64) *coro.Task[int64] {
	var node func(num, size int64) *coro.Task[int64]
	node = func(num, size int64) *coro.Task[int64] {
		if size == 1 {
			return coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return onLeaf(num) }))
		}
		return coro.ScheduleTask(tp, coro.JoinFunc(func() []*coro.Task[int64] {
			made.Add(1)
			children := make([]*coro.Task[int64], fanout)
			for i := range children {
				children[i] = node(num+int64(i)*(size/fanout), size/fanout)
			}
			return children
		}, func(rs []int64) (int64, error) { return sumOf(0, 0, rs) }))
	}
	return node
}

// A JoinFunc tree unfolds as it runs: nothing is made before it starts, and on a one-thread pool the first leaf runs
// when only the nodes on its path have made their children (depth first), not the whole tree. It forks on the run
// queue like a Join tree (no C++ proxy per task) and computes the same sum.
func TestJoinFuncUnfoldsAsItRuns(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	var made, madeAtFirstLeaf, mostHandles atomic.Int64
	madeAtFirstLeaf.Store(-1)
	leaf := func(num int64) (int64, error) {
		madeAtFirstLeaf.CompareAndSwap(-1, made.Load())
		if n := int64(coro.LiveHandles()); n > mostHandles.Load() {
			mostHandles.Store(n)
		}
		return num, nil
	}
	const fanout, leaves = 4, 4 * 4 * 4 * 4
	task := lazyTree(tp, fanout, &made, leaf)(0, leaves)
	require.Zero(t, made.Load(), "children made before the join started")
	v, err := coro.SyncWait(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, int64(leaves*(leaves-1)/2), v)
	require.Equal(t, int64(1+4+16+64), made.Load())
	require.Equal(t, int64(4), madeAtFirstLeaf.Load(), "nodes that made their children before the first leaf ran")
	require.Less(t, mostHandles.Load(), int64(20), "live handles while the tree ran")

	// On two threads too, and repeatedly (the children of each node are made exactly once).
	tp2 := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	for range 5 {
		made.Store(0)
		tree := lazyTree(tp2, 10, &made, func(num int64) (int64, error) { return num, nil })
		v, err = coro.SyncWait(context.Background(), tree(0, 1000))
		require.NoError(t, err)
		require.Equal(t, int64(1000*999/2), v)
		require.Equal(t, int64(1+10+100), made.Load())
	}
}

// The children function's failures are the join's error, without combine; the joins above fail with it, and the
// pool keeps working. Join reports a nil child the same way.
func TestJoinFuncFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	leaf := coro.NewFunc(func() (int64, error) { return 1, nil })
	var combined atomic.Int32
	combine := func(rs []int64) (int64, error) { combined.Add(1); return sumOf(0, 0, rs) }
	for _, c := range []struct {
		name     string
		children func() []*coro.Task[int64]
		check    func(t *testing.T, err error)
	}{
		{"panic", func() []*coro.Task[int64] { panic("no children") }, func(t *testing.T, err error) {
			var pe *coro.PanicError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "no children", pe.Value)
		}},
		{"goexit", func() []*coro.Task[int64] { runtime.Goexit(); return nil }, func(t *testing.T, err error) {
			require.ErrorIs(t, err, coro.ErrGoexit)
		}},
		{"nil child", func() []*coro.Task[int64] { return []*coro.Task[int64]{leaf, nil} }, func(t *testing.T, err error) {
			require.ErrorIs(t, err, coro.ErrInvalid)
		}},
		{"nil func", nil, func(t *testing.T, err error) { require.ErrorIs(t, err, coro.ErrInvalid) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			combined.Store(0)
			// As the root, scheduled on the pool (it forks there) and started directly (it runs where it starts: a
			// Goexit there ends the starting goroutine, as a NewFunc's does, so that case starts on a goroutine).
			_, err := coro.SyncWait(ctx, coro.ScheduleTask(tp, coro.JoinFunc(c.children, combine)))
			c.check(t, err)
			direct := coro.JoinFunc(c.children, combine)
			started := make(chan struct{})
			go func() { defer close(started); _ = direct.Start() }()
			<-started
			_, err = coro.SyncWait(ctx, direct)
			c.check(t, err)
			// Deep in a tree: the failed join's parent fails with its error, the sibling joins still combine.
			ok := func() []*coro.Task[int64] {
				return []*coro.Task[int64]{coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return 1, nil }))}
			}
			_, err = coro.SyncWait(ctx, coro.ScheduleTask(tp, coro.JoinFunc(func() []*coro.Task[int64] {
				return []*coro.Task[int64]{
					coro.ScheduleTask(tp, coro.JoinFunc(ok, combine)),
					coro.ScheduleTask(tp, coro.JoinFunc(c.children, combine)),
					coro.ScheduleTask(tp, coro.JoinFunc(ok, combine)),
				}
			}, combine)))
			c.check(t, err)
			require.Equal(t, int32(2), combined.Load(), "combines: the two siblings only")
		})
	}
	_, err := coro.SyncWait(ctx, coro.ScheduleTask(tp, coro.Join([]*coro.Task[int64]{nil}, combine)))
	require.ErrorIs(t, err, coro.ErrInvalid)

	tree := lazyTree(tp, 10, new(atomic.Int64), func(num int64) (int64, error) { return num, nil })
	v, err := coro.SyncWait(ctx, tree(0, 100))
	require.NoError(t, err)
	require.Equal(t, int64(100*99/2), v)
}

// Children that cannot start through the run queue (a task body that awaits natively, an already finished task)
// make the join run natively where it forked; the result is the same.
func TestJoinFuncNativeChildren(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	done := coro.NewFunc(func() (int64, error) { return 100, nil })
	_, err := coro.SyncWait(context.Background(), done)
	require.NoError(t, err)
	v, err := coro.SyncWait(context.Background(), coro.ScheduleTask(tp, coro.JoinFunc(func() []*coro.Task[int64] {
		return []*coro.Task[int64]{
			coro.NewTask(func(t *coro.T) (int64, error) {
				if err := t.Schedule(tp); err != nil {
					return 0, err
				}
				return 1, nil
			}),
			coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return 10, nil })),
			done,
		}
	}, func(rs []int64) (int64, error) { return sumOf(0, 0, rs) })))
	require.NoError(t, err)
	require.Equal(t, int64(111), v)

	empty, err := coro.SyncWait(context.Background(), coro.ScheduleTask(tp, coro.JoinFunc(
		func() []*coro.Task[int64] { return nil },
		func(rs []int64) (int, error) { return len(rs) + 7, nil })))
	require.NoError(t, err)
	require.Equal(t, 7, empty)
}
