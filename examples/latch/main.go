// Command latch is the Go version of libcoro's latch example: one task waits on a latch while five workers on
// a 1-thread io_scheduler pool "work" (yield for i*20ms) and count it down; the last count-down resumes it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// lockedWriter serialises writes from tasks running on different threads.
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
	// The pool has a single thread to show off YieldFor: workers wait without blocking it.
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		return err
	}
	defer s.Close()

	const numTasks = 5
	l := coro.NewLatch(numTasks)
	defer l.Close()

	// The latch task waits until every worker has counted down.
	latchTask := coro.NewTask(func(t *coro.T) (struct{}, error) {
		out.printf("latch task is now waiting on all children tasks...\n")
		if err := l.Await(t); err != nil {
			return struct{}{}, err
		}
		out.printf("latch task dependency tasks completed, resuming.\n")
		return struct{}{}, nil
	})
	worker := func(i int64) *coro.Task[struct{}] {
		return coro.NewTask(func(t *coro.T) (struct{}, error) {
			if err := t.Schedule(s); err != nil {
				return struct{}{}, err
			}
			out.printf("worker task %d is working...\n", i)
			// Mimic expensive work without blocking the thread.
			if err := t.YieldFor(s, time.Duration(i)*20*time.Millisecond); err != nil {
				return struct{}{}, err
			}
			out.printf("worker task %d is done, counting down on the latch\n", i)
			// The last count-down resumes the latch task inline, before this worker finishes.
			return struct{}{}, l.CountDown(1)
		})
	}

	// The latch task goes first so it waits for all the workers.
	tasks := []coro.AnyTask{latchTask}
	for i := int64(1); i <= numTasks; i++ {
		tasks = append(tasks, worker(i))
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
