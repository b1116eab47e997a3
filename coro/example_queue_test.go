package coro_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// A task body pops natively while a goroutine pushes; ShutdownDrain lets the consumer empty the queue first.
func ExampleQueue() {
	q := coro.NewQueue[string]()
	defer q.Close()
	consumer := coro.NewTask(func(t *coro.T) (int, error) {
		n := 0
		for {
			v, err := q.AwaitPop(t) // suspends while the queue is empty
			if err != nil {
				return n, nil // ErrStopped: shut down
			}
			fmt.Println("popped", v)
			n++
		}
	})
	_ = consumer.Start() // runs until it suspends in AwaitPop
	_ = q.Push("a")      // handed straight to the waiting consumer, which runs inline
	_ = q.Push("b")
	_ = q.ShutdownDrain(context.Background())
	n, _ := consumer.Result()
	fmt.Println("consumed", n, "shut down:", q.IsShutdown())
	fmt.Println("push after shutdown:", q.Push("c"))
	// Output:
	// popped a
	// popped b
	// consumed 2 shut down: true
	// push after shutdown: coro: queue push: stopped
}

// All ranges over a queue from a goroutine until it is shut down.
func ExampleQueue_All() {
	q := coro.NewQueue[int]()
	defer q.Close()
	for i := 1; i <= 3; i++ {
		_ = q.Push(i * 10)
	}
	go func() { _ = q.ShutdownDrain(context.Background()) }()
	for v := range q.All(context.Background()) {
		fmt.Println(v)
	}
	// Output:
	// 10
	// 20
	// 30
}

// Chan lets a goroutine select over a queue together with other channels; it closes once the queue is shut down.
func ExampleQueue_Chan() {
	q := coro.NewQueue[string]()
	defer q.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // ends the channel's goroutine should we stop receiving before it closes
	values := q.Chan(ctx)
	_ = q.Push("a")
	_ = q.Push("b")
	go func() { _ = q.ShutdownDrain(context.Background()) }()
	for {
		select {
		case v, ok := <-values:
			if !ok {
				fmt.Println("closed; shut down:", q.IsShutdown())
				return
			}
			fmt.Println("received", v)
		case <-time.After(time.Minute):
			fmt.Println("timed out")
			return
		}
	}
	// Output:
	// received a
	// received b
	// closed; shut down: true
}
