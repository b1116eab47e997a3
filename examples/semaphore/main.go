// Command semaphore is the Go version of libcoro's semaphore example: 100 tasks on an 8-thread pool, at most
// two inside the rate-limited section at a time.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/gocoro/gocoro/coro"
)

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format, args...)
}

func run(w io.Writer) error {
	out := &lockedWriter{w: w}
	// More threads and tasks than the semaphore lets through at once.
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 8})
	if err != nil {
		return err
	}
	defer tp.Close()
	sem, err := coro.NewSemaphore(2, 2)
	if err != nil {
		return err
	}
	defer sem.Close()

	const numTasks = 100
	var tasks []coro.AnyTask
	for i := 1; i <= numTasks; i++ {
		tasks = append(tasks, coro.NewTask(func(t *coro.T) (struct{}, error) {
			if err := t.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			// Only two tasks get through at any time; the others wait for a unit.
			err := sem.AwaitAcquire(t)
			switch {
			case err == nil:
				out.printf("%d, ", i)
				return struct{}{}, sem.Release()
			case errors.Is(err, coro.ErrStopped):
				out.printf("%d failed to acquire semaphore [%v],", i, err)
				return struct{}{}, nil
			default:
				return struct{}{}, err
			}
		}))
	}
	all := coro.NewTask(func(t *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(t, tasks...) })
	if _, err := coro.SyncWait(context.Background(), all); err != nil {
		return err
	}
	for _, task := range tasks {
		if _, err := task.(*coro.Task[struct{}]).Result(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
