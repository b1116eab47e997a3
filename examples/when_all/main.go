// Command when_all shows coro.WhenAll: a task awaits a group of tasks that run in parallel on a thread pool, over
// a slice of same-typed tasks and over tasks of different result types (libcoro's when_all example).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/gocoro/gocoro/coro"
)

func twice(tp *coro.ThreadPool, x uint64) *coro.Task[uint64] {
	return coro.NewTask(func(t *coro.T) (uint64, error) {
		if err := t.Schedule(tp); err != nil {
			return 0, err
		}
		return x + x, nil
	})
}

func square(tp *coro.ThreadPool, x float64) *coro.Task[float64] {
	return coro.NewTask(func(t *coro.T) (float64, error) {
		if err := t.Schedule(tp); err != nil {
			return 0, err
		}
		return x * x, nil
	})
}

// awaitAll waits, from this goroutine, for a task that awaits all of tasks.
func awaitAll(tasks ...coro.AnyTask) error {
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (struct{}, error) {
		return struct{}{}, coro.WhenAll(t, tasks...)
	}))
	return err
}

func run(w io.Writer) error {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 4})
	if err != nil {
		return err
	}
	defer tp.Close()

	// A slice of tasks with the same result type.
	var tasks []coro.AnyTask
	for i := range 5 {
		tasks = append(tasks, twice(tp, uint64(i+1)))
	}
	if err := awaitAll(tasks...); err != nil {
		return err
	}
	for _, task := range tasks {
		// Each task's own outcome: its value, or the error (or recovered panic) it finished with.
		v, err := task.(*coro.Task[uint64]).Result()
		if err != nil {
			fmt.Fprintln(w, err)
			continue
		}
		fmt.Fprintln(w, v)
	}

	// Tasks with different result types.
	first, second := square(tp, 1.1), twice(tp, 10)
	if err := awaitAll(first, second); err != nil {
		return err
	}
	f, err := first.Result()
	if err != nil {
		return err
	}
	s, err := second.Result()
	if err != nil {
		return err
	}
	// Six significant digits, like a default-formatted C++ stream.
	fmt.Fprintf(w, "first: %s second: %d\n", strconv.FormatFloat(f, 'g', 6, 64), s)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
