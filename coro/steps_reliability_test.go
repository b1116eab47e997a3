package coro_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// A chain of task bodies, each resumed by the previous one through an Event, a Latch or a RingBuffer, runs as steps
// that the Go caller loops over (as for the locks in TestLockWaitersDoNotCostThreads), not as cgo callbacks nested
// one inside the other: each nesting held an OS thread that Go never gives back.
func TestHandOffChainsDoNotCostThreads(t *testing.T) {
	n := 1000
	if !testing.Short() {
		n = 5000
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// link i: wait(i) suspends body i until release(i) is called (by body i-1, or by the test for i == 0).
	type chain struct {
		wait    func(tk *coro.T, i int) error
		release func(i int) error
	}
	cases := map[string]func(t *testing.T, tp *coro.ThreadPool) chain{
		"event": func(t *testing.T, _ *coro.ThreadPool) chain {
			es := make([]*coro.Event, n+1)
			for i := range es {
				es[i] = coro.NewEvent(false)
				t.Cleanup(func() { _ = es[i].Close() })
			}
			return chain{
				wait:    func(tk *coro.T, i int) error { return es[i].Await(tk) },
				release: func(i int) error { return es[i].Set(coro.LIFO) },
			}
		},
		"event_set_on": func(t *testing.T, tp *coro.ThreadPool) chain {
			es := make([]*coro.Event, n+1)
			for i := range es {
				es[i] = coro.NewEvent(false)
				t.Cleanup(func() { _ = es[i].Close() })
			}
			return chain{
				wait:    func(tk *coro.T, i int) error { return es[i].Await(tk) },
				release: func(i int) error { return es[i].SetOn(tp, coro.FIFO) },
			}
		},
		"latch": func(t *testing.T, _ *coro.ThreadPool) chain {
			ls := make([]*coro.Latch, n+1)
			for i := range ls {
				ls[i] = coro.NewLatch(1)
				t.Cleanup(func() { _ = ls[i].Close() })
			}
			return chain{
				wait:    func(tk *coro.T, i int) error { return ls[i].Await(tk) },
				release: func(i int) error { return ls[i].CountDown(1) },
			}
		},
		"ring_buffer": func(t *testing.T, _ *coro.ThreadPool) chain {
			rbs := make([]*coro.RingBuffer[int], n+1)
			for i := range rbs {
				rb, err := coro.NewRingBuffer[int](1)
				require.NoError(t, err)
				rbs[i] = rb
				t.Cleanup(func() { _ = rb.Close() })
			}
			return chain{
				wait: func(tk *coro.T, i int) error {
					_, err := rbs[i].AwaitConsume(tk)
					return err
				},
				release: func(i int) error { return rbs[i].Produce(ctx, i) },
			}
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			if !inChild(t) {
				return
			}
			before := osThreads(t)
			tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
			c := mk(t, tp)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			queued := make(chan struct{}, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) {
						if err := tk.Schedule(tp); err != nil {
							return struct{}{}, err
						}
						queued <- struct{}{}
						if err := c.wait(tk, i); err != nil {
							return struct{}{}, err
						}
						return struct{}{}, c.release(i + 1)
					}))
					if err != nil {
						errs <- err
					}
				}()
			}
			for range n {
				<-queued
			}
			time.Sleep(50 * time.Millisecond) // let the last bodies reach their await
			require.NoError(t, c.release(0))
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			after := osThreads(t)
			t.Logf("chain of %d: %d threads before, %d after", n, before, after)
			require.LessOrEqual(t, after, before+tp.ThreadCount()+threadSlack, "the hand-off chain grew the process's threads")
		})
	}
}
