package coro_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// A task body waits with a predicate; a goroutine changes the state under the mutex and notifies.
func ExampleConditionVariable() {
	cv, m := coro.NewConditionVariable(), coro.NewMutex()
	defer cv.Close()
	defer m.Close()
	ready := false
	waiter := coro.NewTask(func(t *coro.T) (string, error) {
		if err := m.AwaitLock(t); err != nil {
			return "", err
		}
		defer m.Unlock()
		// Releases m while suspended; returns holding it once ready is true.
		if _, err := cv.AwaitPred(t, context.Background(), m, func() bool { return ready }); err != nil {
			return "", err
		}
		return "ready", nil
	})
	_ = waiter.Start()
	fmt.Println("waiting:", !waiter.Done())
	cv.NotifyOne() // ready is still false: the notification is consumed, the waiter goes on waiting
	fmt.Println("still waiting:", !waiter.Done())
	_ = m.Lock(context.Background())
	ready = true
	_ = m.Unlock()
	cv.NotifyOne() // resumes the waiter inline: it takes m and finds ready true
	msg, _ := waiter.Result()
	fmt.Println(msg)
	// Output:
	// waiting: true
	// still waiting: true
	// ready
}

// A timed wait in a task body: nobody notifies, so it times out and resumes on the scheduler.
func ExampleConditionVariable_AwaitFor() {
	s, _ := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	defer s.Close()
	cv, m := coro.NewConditionVariable(), coro.NewMutex()
	defer cv.Close()
	defer m.Close()
	task := coro.NewTask(func(t *coro.T) (coro.CVStatus, error) {
		if err := m.AwaitLock(t); err != nil {
			return 0, err
		}
		defer m.Unlock()
		return cv.AwaitFor(t, s, m, 10*time.Millisecond)
	})
	st, err := coro.SyncWait(context.Background(), task)
	fmt.Println(st, err)
	// Output:
	// timeout <nil>
}
