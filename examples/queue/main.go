// Command queue shows coro.Queue (libcoro v0.16's coro::queue): three producer tasks on a thread pool push
// numbers while two consumer tasks pop them; once the producers are done, ShutdownDrain waits until the
// consumers have emptied the queue and then shuts it down, which ends their Pop loops with ErrStopped.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gocoro/gocoro/coro"
)

const (
	producers   = 3
	perProducer = 5
	consumers   = 2
)

// produce pushes perProducer values, id*100 + i, from a thread of tp.
func produce(tp *coro.ThreadPool, q *coro.Queue[int], id int) *coro.Task[struct{}] {
	return coro.NewTask(func(t *coro.T) (struct{}, error) {
		if err := t.Schedule(tp); err != nil {
			return struct{}{}, err
		}
		for i := range perProducer {
			if err := q.Push(id*100 + i); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
}

// tally is what one consumer took out of the queue.
type tally struct{ count, sum int }

// consume pops until the queue is shut down and empty.
func consume(tp *coro.ThreadPool, q *coro.Queue[int]) *coro.Task[tally] {
	return coro.NewTask(func(t *coro.T) (tally, error) {
		var got tally
		if err := t.Schedule(tp); err != nil {
			return got, err
		}
		for {
			v, err := q.AwaitPop(t) // suspends while the queue is empty
			if errors.Is(err, coro.ErrStopped) {
				return got, nil
			}
			if err != nil {
				return got, err
			}
			got.count++
			got.sum += v
		}
	})
}

func run(w io.Writer) error {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	if err != nil {
		return err
	}
	defer tp.Close()
	q := coro.NewQueue[int]()
	defer q.Close()

	// The consumers start first and wait on the empty queue.
	var cons []*coro.Task[tally]
	for range consumers {
		c, err := coro.SpawnJoinable(tp, consume(tp, q))
		if err != nil {
			return err
		}
		cons = append(cons, c)
	}
	var prods []coro.AnyTask
	for id := 1; id <= producers; id++ {
		prods = append(prods, produce(tp, q, id))
	}
	all := coro.NewTask(func(t *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(t, prods...) })
	if _, err := coro.SyncWait(context.Background(), all); err != nil {
		return err
	}
	fmt.Fprintf(w, "producers pushed %d values\n", producers*perProducer)

	// No more pushes; returns once the consumers took everything.
	if err := q.ShutdownDrain(context.Background()); err != nil {
		return err
	}
	var total tally
	for _, c := range cons {
		got, err := coro.SyncWait(context.Background(), c)
		if err != nil {
			return err
		}
		total.count += got.count
		total.sum += got.sum
	}
	fmt.Fprintf(w, "consumers popped %d values, sum %d\n", total.count, total.sum)
	fmt.Fprintf(w, "queue empty: %v, shut down: %v\n", q.Empty(), q.IsShutdown())
	if err := q.Push(1); errors.Is(err, coro.ErrStopped) {
		fmt.Fprintln(w, "push after shutdown: stopped")
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
