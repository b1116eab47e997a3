package coro_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// A goroutine waits for a pipe to become readable until its context ends; the cancelled poll consumed nothing.
func ExampleIOScheduler_Poll() {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	st, err := s.Poll(ctx, int(r.Fd()), coro.PollRead, 0) // nothing written: ctx ends first
	fmt.Println(st, errors.Is(err, context.DeadlineExceeded))

	_, _ = w.Write([]byte("x"))
	st, err = s.Poll(context.Background(), int(r.Fd()), coro.PollRead, time.Second)
	fmt.Println(st, err)
	// Output:
	// cancelled true
	// event <nil>
}

// A task body's poll ends when the context is cancelled (T.PollContext).
func ExampleT_PollContext() {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()

	ctx, cancel := context.WithCancel(context.Background())
	task := coro.NewTask(func(t *coro.T) (coro.PollStatus, error) {
		return t.PollContext(ctx, s, int(r.Fd()), coro.PollRead, 0)
	})
	time.AfterFunc(10*time.Millisecond, cancel)
	st, err := coro.SyncWait(context.Background(), task)
	fmt.Println(st, errors.Is(err, context.Canceled))
	// Output:
	// cancelled true
}
