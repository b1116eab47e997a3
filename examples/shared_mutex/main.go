// Command shared_mutex is the Go version of libcoro's shared_mutex example: on a 1-thread pool, three shared
// tasks hold the lock together, an exclusive task queues behind them, and three later shared tasks queue behind
// the exclusive one (writer preference), then run together once it is done.
package main

import (
	"context"
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
	// One thread shows the interleaving; with more, the shared waiters would resume in parallel.
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	if err != nil {
		return err
	}
	defer tp.Close()
	m, err := coro.NewSharedMutex(tp)
	if err != nil {
		return err
	}
	defer m.Close()

	shared := func(i int) *coro.Task[struct{}] {
		return coro.NewTask(func(t *coro.T) (struct{}, error) {
			if err := t.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			out.printf("shared task %d lock_shared()\n", i)
			if err := m.AwaitLockShared(t); err != nil {
				return struct{}{}, err
			}
			out.printf("shared task %d lock_shared() acquired\n", i)
			// Yield so the other shared tasks acquire while this one holds the lock.
			if err := t.Yield(tp); err != nil {
				return struct{}{}, err
			}
			out.printf("shared task %d unlock_shared()\n", i)
			return struct{}{}, m.UnlockShared()
		})
	}
	exclusive := coro.NewTask(func(t *coro.T) (struct{}, error) {
		if err := t.Schedule(tp); err != nil {
			return struct{}{}, err
		}
		out.printf("exclusive task lock()\n")
		if err := m.AwaitLock(t); err != nil {
			return struct{}{}, err
		}
		out.printf("exclusive task lock() acquired\n")
		// Do the exclusive work...
		out.printf("exclusive task unlock()\n")
		return struct{}{}, m.Unlock()
	})

	const numTasks = 3
	var tasks []coro.AnyTask
	for i := 1; i <= numTasks; i++ {
		tasks = append(tasks, shared(i))
	}
	tasks = append(tasks, exclusive)
	for i := numTasks + 1; i <= 2*numTasks; i++ {
		tasks = append(tasks, shared(i))
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
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
