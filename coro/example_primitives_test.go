package coro_test

import (
	"context"
	"fmt"

	"github.com/gocoro/gocoro/coro"
)

// A task waits on a latch; each CountDown brings it closer, the last one resumes the task inline.
func ExampleLatch() {
	l := coro.NewLatch(3)
	defer l.Close()
	waiter := coro.NewTask(func(t *coro.T) (string, error) {
		if err := l.Await(t); err != nil {
			return "", err
		}
		return "all three done", nil
	})
	_ = waiter.Start() // runs until it suspends on the latch
	for i := 0; i < 3; i++ {
		fmt.Println("remaining:", l.Remaining(), "done:", waiter.Done())
		_ = l.CountDown(1)
	}
	msg, _ := coro.SyncWait(context.Background(), waiter)
	fmt.Println(msg)
	// Output:
	// remaining: 3 done: false
	// remaining: 2 done: false
	// remaining: 1 done: false
	// all three done
}

// Goroutines and task bodies share one Mutex: Lock(ctx) from a goroutine, AwaitLock from a task body.
func ExampleMutex() {
	m := coro.NewMutex()
	defer m.Close()
	_ = m.Lock(context.Background())
	task := coro.NewTask(func(t *coro.T) (string, error) {
		if err := m.AwaitLock(t); err != nil { // suspends: the goroutine holds the lock
			return "", err
		}
		defer m.Unlock()
		return "task got the lock", nil
	})
	_ = task.Start()
	fmt.Println("task done before Unlock:", task.Done())
	_ = m.Unlock() // hands the lock to the task and runs it inline
	fmt.Println("task done after Unlock:", task.Done())
	msg, _ := task.Result()
	fmt.Println(msg)
	// Output:
	// task done before Unlock: false
	// task done after Unlock: true
	// task got the lock
}

// Readers share the lock; a writer waits for them.
func ExampleSharedMutex() {
	tp, _ := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	defer tp.Close()
	m, _ := coro.NewSharedMutex(tp)
	defer m.Close()
	ctx := context.Background()
	_ = m.LockShared(ctx)
	_ = m.LockShared(ctx)
	fmt.Println("writer can lock:", m.TryLock())
	_ = m.UnlockShared()
	_ = m.UnlockShared()
	fmt.Println("writer can lock:", m.TryLock())
	_ = m.Unlock()
	// Output:
	// writer can lock: false
	// writer can lock: true
}

// A semaphore bounds concurrency; NotifyWaiters stops it for good.
func ExampleSemaphore() {
	s, err := coro.NewSemaphore(2, 2)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()
	_ = s.Acquire(ctx)
	_ = s.Acquire(ctx)
	fmt.Println("value:", s.Value(), "try:", s.TryAcquire())
	_ = s.Release()
	fmt.Println("value:", s.Value())
	_ = s.NotifyWaiters()
	fmt.Println(s.Acquire(ctx))
	// Output:
	// value: 0 try: false
	// value: 1
	// coro: semaphore acquire: stopped
}

// Values of any Go type go through a ring buffer in FIFO order; they never enter C memory.
func ExampleRingBuffer() {
	rb, _ := coro.NewRingBuffer[string](2)
	defer rb.Close()
	ctx := context.Background()
	consumer := coro.NewTask(func(t *coro.T) ([]string, error) {
		var got []string
		for {
			v, err := rb.AwaitConsume(t)
			if err != nil {
				return got, nil // stopped and drained
			}
			got = append(got, v)
		}
	})
	_ = consumer.Start()
	for _, v := range []string{"a", "b", "c"} {
		_ = rb.Produce(ctx, v)
	}
	_ = rb.NotifyWaiters()
	got, _ := coro.SyncWait(ctx, consumer)
	fmt.Println(got)
	// Output:
	// [a b c]
}
