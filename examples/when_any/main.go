// Command when_any shows coro.WhenAny used as a timeout: a piece of work races a timer task on an IOScheduler
// and whichever finishes first decides the result (libcoro's when_any example).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// work pretends to work for d on the scheduler, then returns 1.
func work(s *coro.IOScheduler, d time.Duration) *coro.Task[int64] {
	return coro.NewTask(func(t *coro.T) (int64, error) {
		if err := t.Schedule(s); err != nil {
			return 0, err
		}
		if err := t.YieldFor(s, d); err != nil {
			return 0, err
		}
		return 1, nil
	})
}

// timeout returns -1 once d has passed.
func timeout(s *coro.IOScheduler, d time.Duration) *coro.Task[int64] {
	return coro.NewTask(func(t *coro.T) (int64, error) {
		if err := t.ScheduleAfter(s, d); err != nil {
			return 0, err
		}
		return -1, nil
	})
}

// first returns the result of whichever task finishes first.
func first(tasks ...*coro.Task[int64]) (int64, error) {
	anys := make([]coro.AnyTask, len(tasks))
	for i, task := range tasks {
		anys[i] = task
	}
	winner, err := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (int, error) {
		return coro.WhenAny(t, anys...)
	}))
	if err != nil {
		return 0, err
	}
	return tasks[winner].Result()
}

func run(w io.Writer) error {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		return err
	}
	// Close waits for the losing task too: it still runs to its end.
	defer s.Close()

	// The work finishes before the timer. The margins are wide so that a busy machine cannot swap the winners.
	result, err := first(work(s, 10*time.Millisecond), timeout(s, time.Second))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "result = %d\n", result)

	// The work takes too long: the timer wins.
	result, err = first(work(s, time.Second), timeout(s, 10*time.Millisecond))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "result = %d\n", result)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
