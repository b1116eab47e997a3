// Command event shows coro.Event: three tasks wait on an event until a fourth sets it, which resumes the waiters
// right away on its own thread, the last to wait first (libcoro's event example).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gocoro/gocoro/coro"
)

func waiter(w io.Writer, e *coro.Event, i int) *coro.Task[struct{}] {
	return coro.NewTask(func(t *coro.T) (struct{}, error) {
		fmt.Fprintf(w, "task %d is waiting on the event...\n", i)
		if err := e.Await(t); err != nil {
			return struct{}{}, err
		}
		fmt.Fprintf(w, "task %d event triggered, now resuming.\n", i)
		return struct{}{}, nil
	})
}

func setter(w io.Writer, e *coro.Event) *coro.Task[struct{}] {
	return coro.NewTask(func(*coro.T) (struct{}, error) {
		fmt.Fprintln(w, "set task is triggering the event")
		return struct{}{}, e.Set(coro.LIFO)
	})
}

func run(w io.Writer) error {
	e := coro.NewEvent(false)
	defer e.Close()
	// All four tasks run one after the other on this goroutine's thread: no executor is involved.
	tasks := []coro.AnyTask{waiter(w, e, 1), waiter(w, e, 2), waiter(w, e, 3), setter(w, e)}
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (struct{}, error) {
		return struct{}{}, coro.WhenAll(t, tasks...)
	}))
	if err != nil {
		return err
	}
	for _, task := range tasks {
		if _, err := task.(*coro.Task[struct{}]).Result(); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
