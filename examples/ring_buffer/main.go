// Command ring_buffer is the Go version of libcoro's ring_buffer example: one producer and four consumers on a
// 4-thread pool pass 100 values through a 16-slot ring buffer; a coro.Mutex keeps their output lines whole.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gocoro/gocoro/coro"
)

func run(stdout, stderr io.Writer) error {
	const iterations, consumers = 100, 4
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 4})
	if err != nil {
		return err
	}
	defer tp.Close()
	rb, err := coro.NewRingBuffer[uint64](16)
	if err != nil {
		return err
	}
	defer rb.Close()
	m := coro.NewMutex() // just for synchronising the output
	defer m.Close()

	producer := coro.NewTask(func(t *coro.T) (struct{}, error) {
		if err := t.Schedule(tp); err != nil {
			return struct{}{}, err
		}
		for i := uint64(1); i <= iterations; i++ {
			if err := rb.AwaitProduce(t, i); err != nil {
				return struct{}{}, err
			}
		}
		// Wait for the consumers to drain the buffer so the stop is clean.
		for !rb.Empty() {
			if err := t.Yield(tp); err != nil {
				return struct{}{}, err
			}
		}
		if err := m.AwaitLock(t); err != nil {
			return struct{}{}, err
		}
		fmt.Fprint(stderr, "\nproducer is sending stop signal")
		if err := m.Unlock(); err != nil {
			return struct{}{}, err
		}
		// Wakes every waiting consumer with ErrStopped.
		return struct{}{}, rb.NotifyWaiters()
	})
	consumer := func(id int) *coro.Task[struct{}] {
		return coro.NewTask(func(t *coro.T) (struct{}, error) {
			if err := t.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			for {
				v, cerr := rb.AwaitConsume(t)
				if err := m.AwaitLock(t); err != nil {
					return struct{}{}, err
				}
				if cerr != nil {
					fmt.Fprintf(stderr, "\nconsumer %d shutting down, stop signal received", id)
					if err := m.Unlock(); err != nil {
						return struct{}{}, err
					}
					if errors.Is(cerr, coro.ErrStopped) {
						return struct{}{}, nil
					}
					return struct{}{}, cerr
				}
				fmt.Fprintf(stdout, "(id=%d, v=%d), ", id, v)
				if err := m.Unlock(); err != nil {
					return struct{}{}, err
				}
				// Mimic doing some work on the value.
				if err := t.Yield(tp); err != nil {
					return struct{}{}, err
				}
			}
		})
	}

	var tasks []coro.AnyTask
	for i := 0; i < consumers; i++ {
		tasks = append(tasks, consumer(i))
	}
	tasks = append(tasks, producer)
	all := coro.NewTask(func(t *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(t, tasks...) })
	if _, err := coro.SyncWait(context.Background(), all); err != nil {
		return err
	}
	for _, task := range tasks {
		if _, err := task.(*coro.Task[struct{}]).Result(); err != nil {
			return err
		}
	}
	fmt.Fprintln(stderr)
	return nil
}

func main() {
	if err := run(os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
