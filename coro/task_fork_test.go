package coro_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// forkTree builds a skynet-shaped tree of ScheduleTask(tp, Join(children, combine)) nodes over
// ScheduleTask(tp, NewFunc(leaf)) leaves; leaf and combine get the node's number and size.
func forkTree(tp *coro.ThreadPool, leaf func(num int64) (int64, error),
	combine func(num, size int64, rs []int64) (int64, error)) func(num, size int64) *coro.Task[int64] {
	var node func(num, size int64) *coro.Task[int64]
	node = func(num, size int64) *coro.Task[int64] {
		if size == 1 {
			return coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return leaf(num) }))
		}
		children := make([]*coro.Task[int64], 10)
		for i := range children {
			children[i] = node(num+int64(i)*(size/10), size/10)
		}
		return coro.ScheduleTask(tp, coro.Join(children, func(rs []int64) (int64, error) { return combine(num, size, rs) }))
	}
	return node
}

func sumOf(_, _ int64, rs []int64) (int64, error) {
	var s int64
	for _, r := range rs {
		s += r
	}
	return s, nil
}

// A fork-join tree started from Go runs on the pool's run queue: no task of it holds a C++ proxy or a handle while
// it runs (natively every started task would, hundreds at a time here), and the result is the same.
func TestForkJoinTreeRunsOnRunQueue(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	var most atomic.Int64
	see := func() {
		if n := int64(coro.LiveHandles()); n > most.Load() {
			most.Store(n)
		}
	}
	leaf := func(num int64) (int64, error) { see(); return num, nil }
	combine := func(num, size int64, rs []int64) (int64, error) { see(); return sumOf(num, size, rs) }
	const leaves = 1000
	v, err := coro.SyncWait(context.Background(), forkTree(tp, leaf, combine)(0, leaves))
	require.NoError(t, err)
	require.Equal(t, int64(leaves*(leaves-1)/2), v)
	// A few for the drainers' own pool tasks (and whatever a parallel test holds), far from one per task.
	require.Less(t, most.Load(), int64(20), "live handles while the tree ran")
}

// A forked tree runs depth first, as C++ workers run the tasks they schedule themselves (their own deque, most recent
// first): on a one-thread pool each subtree's leaves and combine run one after another, before any other subtree
// starts. Breadth first (every queued task in FIFO order) ran all subtrees' leaves before any of their combines, and
// cost the fork-join rows about 0.8 µs per task in cache misses over the whole tree (issue 12).
func TestForkJoinTreeRunsDepthFirst(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	var mu sync.Mutex
	var order []int64 // the subtree of each leaf and size-10 combine, in the order they ran
	leaf := func(num int64) (int64, error) {
		mu.Lock()
		order = append(order, num/10)
		mu.Unlock()
		return num, nil
	}
	combine := func(num, size int64, rs []int64) (int64, error) {
		if size == 10 {
			mu.Lock()
			order = append(order, num/10)
			mu.Unlock()
		}
		return sumOf(num, size, rs)
	}
	v, err := coro.SyncWait(context.Background(), forkTree(tp, leaf, combine)(0, 100))
	require.NoError(t, err)
	require.Equal(t, int64(100*99/2), v)
	require.Len(t, order, 110)
	for i := 0; i < len(order); i += 11 {
		for j := i; j < i+11; j++ {
			require.Equal(t, order[i], order[j], "subtree %d interleaved with another at position %d: %v", order[i], j, order)
		}
	}
}

// runtime.Goexit in a leaf or a combine deep in a forked tree is that task's ErrGoexit, which the joins above it
// return; the pool goes on working.
func TestForkJoinTreeGoexit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	leafExit := func(num int64) (int64, error) {
		if num == 537 {
			runtime.Goexit()
		}
		return num, nil
	}
	_, err := coro.SyncWait(ctx, forkTree(tp, leafExit, sumOf)(0, 1000))
	require.ErrorIs(t, err, coro.ErrGoexit)

	var combines atomic.Int32
	combineExit := func(num, size int64, rs []int64) (int64, error) {
		combines.Add(1)
		if num == 300 && size == 10 {
			runtime.Goexit()
		}
		return sumOf(num, size, rs)
	}
	_, err = coro.SyncWait(ctx, forkTree(tp, func(num int64) (int64, error) { return num, nil }, combineExit)(0, 1000))
	require.ErrorIs(t, err, coro.ErrGoexit)
	// The join above the failed one fails without its combine; the other nine at that level still combine.
	require.Equal(t, int32(100+9), combines.Load())

	v, err := coro.SyncWait(ctx, forkTree(tp, func(num int64) (int64, error) { return num, nil }, sumOf)(0, 100))
	require.NoError(t, err)
	require.Equal(t, int64(100*99/2), v)
}

// A panic in a forked join's combine is the tree's *PanicError.
func TestForkJoinTreePanic(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	combine := func(num, size int64, rs []int64) (int64, error) {
		if size == 100 {
			panic("combine")
		}
		return sumOf(num, size, rs)
	}
	_, err := coro.SyncWait(context.Background(), forkTree(tp, func(num int64) (int64, error) { return num, nil }, combine)(0, 1000))
	var pe *coro.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "combine", pe.Value)
}

// Close waits for work already queued; a forked join whose last child finishes after Close began still combines
// (the pool no longer takes the combine: it runs where the last child finished), as a native when_all would resume.
func TestForkJoinTreeAcrossClose(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	release := make(chan struct{})
	var started atomic.Bool
	leaf := func(num int64) (int64, error) {
		if started.CompareAndSwap(false, true) {
			<-release
		}
		return num, nil
	}
	task := forkTree(tp, leaf, sumOf)(0, 10)
	require.NoError(t, task.Start())
	require.Eventually(t, started.Load, 10*time.Second, time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- tp.Close() }()
	time.Sleep(50 * time.Millisecond) // let Close begin (the outcome is the same if it has not yet)
	close(release)
	v, err := coro.SyncWait(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, int64(45), v)
	require.NoError(t, <-closed)
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

// A child listed twice cannot run twice: the join fails with ErrTaskBusy and leaves the child idle, as a native
// join does.
func TestForkJoinChildTwice(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	x := coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return 4, nil }))
	_, err := coro.SyncWait(context.Background(), coro.ScheduleTask(tp, coro.Join([]*coro.Task[int64]{x, x},
		func(rs []int64) (int64, error) { return sumOf(0, 0, rs) })))
	require.ErrorIs(t, err, coro.ErrTaskBusy)
	require.False(t, x.Done())
	v, err := coro.SyncWait(context.Background(), x)
	require.NoError(t, err)
	require.Equal(t, int64(4), v)
}
