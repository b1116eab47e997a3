package coro_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/gocoro/gocoro/coro"
)

// A TaskGroup runs tasks and Go functions on an executor; a task body (or a goroutine) waits until all are done.
func ExampleTaskGroup() {
	tp, _ := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	defer tp.Close()
	g, _ := coro.NewTaskGroup(tp)
	defer g.Close()
	var sum atomic.Int64
	for i := 1; i <= 4; i++ {
		_ = g.Start(coro.NewFunc(func() (struct{}, error) {
			sum.Add(int64(i))
			return struct{}{}, nil
		}))
	}
	_ = g.Go(func() { sum.Add(100) })
	waiter := coro.NewTask(func(t *coro.T) (int64, error) {
		if err := g.Await(t); err != nil { // co_await group
			return 0, err
		}
		return sum.Load(), nil
	})
	total, _ := coro.SyncWait(context.Background(), waiter)
	fmt.Println("total:", total, "empty:", g.Empty())
	// An empty group is waited for at once.
	fmt.Println(g.Wait(context.Background()))
	// Output:
	// total: 110 empty: true
	// <nil>
}

// SpawnJoinable starts a task on an executor at once and returns a join task: awaiting the join (here with SyncWait)
// waits until the spawned task has finished and gives its result.
func ExampleSpawnJoinable() {
	tp, _ := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	defer tp.Close()
	started := coro.NewEvent(false)
	defer started.Close()
	join, err := coro.SpawnJoinable(tp, coro.NewTask(func(t *coro.T) (int, error) {
		if err := started.Set(coro.LIFO); err != nil {
			return 0, err
		}
		return 6 * 7, nil
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	// The task runs on the pool before anyone awaits the join.
	fmt.Println("started:", started.Wait(context.Background()))
	v, err := coro.SyncWait(context.Background(), join)
	fmt.Println(v, err)
	// Output:
	// started: <nil>
	// 42 <nil>
}
