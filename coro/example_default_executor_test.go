package coro_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// The process-wide executors need no setup and no Close: they live as long as the process, shared with any C++ code
// in it that uses coro::default_executor.
func ExampleDefaultIOScheduler() {
	s, err := coro.DefaultIOScheduler()
	if err != nil {
		fmt.Println(err)
		return
	}
	task := coro.NewTask(func(t *coro.T) (string, error) {
		if err := t.YieldFor(s, time.Millisecond); err != nil {
			return "", err
		}
		return "ran on the default scheduler", nil
	})
	msg, _ := coro.SyncWait(context.Background(), task)
	fmt.Println(msg)
	fmt.Println("close:", errors.Is(s.Close(), coro.ErrNotSupported))
	// Output:
	// ran on the default scheduler
	// close: true
}

// A task body on the default thread pool.
func ExampleDefaultThreadPool() {
	p, err := coro.DefaultThreadPool()
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, _ := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (int, error) {
		if err := t.Schedule(p); err != nil {
			return 0, err
		}
		return 1 + 2, nil
	}))
	fmt.Println(sum)
	// Output:
	// 3
}
