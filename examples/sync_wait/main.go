// Command sync_wait shows coro.SyncWait: it blocks the calling goroutine until a task finishes, whether the
// task runs inline on the caller's thread or moves itself onto a thread pool (libcoro's sync_wait example).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gocoro/gocoro/coro"
)

// double returns a task computing x + x right where it is started.
func double(x uint64) *coro.Task[uint64] {
	return coro.NewTask(func(*coro.T) (uint64, error) { return x + x, nil })
}

// doubleOn returns a task that first moves onto tp and computes x + x on a pool thread.
func doubleOn(tp *coro.ThreadPool, x uint64) *coro.Task[uint64] {
	return coro.NewTask(func(t *coro.T) (uint64, error) {
		if err := t.Schedule(tp); err != nil {
			return 0, err
		}
		return x + x, nil
	})
}

func run(w io.Writer) error {
	ctx := context.Background()

	// Nothing moves this task anywhere: SyncWait runs it on this goroutine's thread.
	result, err := coro.SyncWait(ctx, double(5))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Inline Result = %d\n", result)

	// This one hops onto a one-thread pool; SyncWait still blocks here until it is done.
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	if err != nil {
		return err
	}
	defer tp.Close()
	result, err = coro.SyncWait(ctx, doubleOn(tp, 10))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Offload Result = %d\n", result)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
