package coro_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestNewFuncRunsInline(t *testing.T) {
	task := coro.NewFunc(func() (int, error) { return 7, nil })
	require.NoError(t, task.Start())
	require.True(t, task.Done(), "a leaf finishes inside Start")
	v, err := task.Result()
	require.NoError(t, err)
	require.Equal(t, 7, v)
}

func TestNewFuncPanicAndError(t *testing.T) {
	_, err := coro.SyncWait(context.Background(), coro.NewFunc(func() (int, error) { panic("leaf") }))
	var pe *coro.PanicError
	require.ErrorAs(t, err, &pe)
	sentinel := errors.New("no")
	_, err = coro.SyncWait(context.Background(), coro.NewFunc(func() (int, error) { return 0, sentinel }))
	require.ErrorIs(t, err, sentinel)
}

func TestScheduleTaskRunsLeafOnPool(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	inPool := make(chan bool, 1)
	task := coro.ScheduleTask(tp, coro.NewFunc(func() (int, error) {
		inPool <- true
		return 3, nil
	}))
	v, err := coro.SyncWait(context.Background(), task)
	require.NoError(t, err)
	require.Equal(t, 3, v)
	require.True(t, <-inPool)
}

func TestScheduleTaskOnClosedPool(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	require.NoError(t, tp.Close())
	_, err = coro.SyncWait(context.Background(), coro.ScheduleTask(tp, coro.NewFunc(func() (int, error) { return 1, nil })))
	require.ErrorIs(t, err, coro.ErrClosed)
}

// skynet composed natively: every node is ScheduleTask(pool, Join(children, sum)) and every leaf a NewFunc.
func TestJoinSkynet(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
	var node func(num, size int64) *coro.Task[int64]
	node = func(num, size int64) *coro.Task[int64] {
		if size == 1 {
			return coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return num, nil }))
		}
		children := make([]*coro.Task[int64], 10)
		for i := range children {
			children[i] = node(num+int64(i)*(size/10), size/10)
		}
		return coro.ScheduleTask(tp, coro.Join(children, func(rs []int64) (int64, error) {
			var sum int64
			for _, r := range rs {
				sum += r
			}
			return sum, nil
		}))
	}
	const leaves = 10_000
	v, err := coro.SyncWait(context.Background(), node(0, leaves))
	require.NoError(t, err)
	require.Equal(t, int64(leaves*(leaves-1)/2), v)
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}

func TestJoinPropagatesChildError(t *testing.T) {
	sentinel := errors.New("child failed")
	children := []*coro.Task[int]{
		coro.NewFunc(func() (int, error) { return 1, nil }),
		coro.NewFunc(func() (int, error) { return 0, sentinel }),
	}
	called := false
	_, err := coro.SyncWait(context.Background(), coro.Join(children, func([]int) (int, error) { called = true; return 0, nil }))
	require.ErrorIs(t, err, sentinel)
	require.False(t, called)
}

// A Join whose children are all plain NewFunc leaves runs them itself, in order, in its first step (as when_all would
// on that thread), then combine: from a goroutine, or adopted on a pool thread. Every leaf ends done, and a leaf's
// error or panic fails the join after the other leaves ran.
func TestJoinOfLeaves(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	ctx := context.Background()
	for _, onPool := range []bool{false, true} {
		var order []int
		leaves := make([]*coro.Task[int], 5)
		for i := range leaves {
			leaves[i] = coro.NewFunc(func() (int, error) {
				order = append(order, i)
				if i == 3 {
					panic("leaf")
				}
				return i, nil
			})
		}
		join := coro.Join(leaves, func(rs []int) (int, error) { return len(rs), nil })
		if onPool {
			join = coro.ScheduleTask(tp, join)
		}
		_, err := coro.SyncWait(ctx, join)
		var pe *coro.PanicError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, "leaf", pe.Value)
		require.Equal(t, []int{0, 1, 2, 3, 4}, order)
		for _, l := range leaves {
			require.True(t, l.Done())
		}
		v, err := leaves[4].Result()
		require.NoError(t, err)
		require.Equal(t, 4, v)
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
