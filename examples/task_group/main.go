// Command task_group shows coro.TaskGroup (libcoro v0.16's coro::task_group): like a sync.WaitGroup for native
// tasks and Go functions. Tasks that each work for a while on an IOScheduler and a plain Go function are started
// in one group; a task body waits for the whole group (co_await group), then the group is empty again.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// worker "works" for d without blocking a thread, then adds n to total.
func worker(s *coro.IOScheduler, d time.Duration, n int64, total *atomic.Int64) *coro.Task[struct{}] {
	return coro.NewTask(func(t *coro.T) (struct{}, error) {
		if err := t.YieldFor(s, d); err != nil {
			return struct{}{}, err
		}
		total.Add(n)
		return struct{}{}, nil
	})
}

func run(w io.Writer) error {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		return err
	}
	defer s.Close()
	g, err := coro.NewTaskGroup(s)
	if err != nil {
		return err
	}
	defer g.Close()

	var total atomic.Int64
	for i := int64(1); i <= 5; i++ {
		if err := g.Start(worker(s, time.Duration(i)*10*time.Millisecond, i, &total)); err != nil {
			return err
		}
	}
	if err := g.Go(func() { total.Add(100) }); err != nil {
		return err
	}
	fmt.Fprintln(w, "started 5 tasks and 1 function")

	waiter := coro.NewTask(func(t *coro.T) (int64, error) {
		if err := g.Await(t); err != nil { // resumes once every member has finished
			return 0, err
		}
		return total.Load(), nil
	})
	sum, err := coro.SyncWait(context.Background(), waiter)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "all done: total %d, group empty: %v\n", sum, g.Empty())
	// An empty group is waited for at once.
	fmt.Fprintf(w, "wait on the empty group: %v\n", g.Wait(context.Background()))
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
