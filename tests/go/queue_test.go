// Parity scenarios 294–301 (coro::queue, libcoro v0.16) through package coro, plus goroutine consumers with
// cancellation, the iterator and Close.
package gotest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestQueue(t *testing.T) {
	ctx := context.Background()
	none := struct{}{}

	// A task body that pops one value; 0 when the pop fails (as upstream's consumer returns 0 on an error).
	popOne := func(q *coro.Queue[uint64]) *coro.Task[uint64] {
		return coro.NewTask(func(tk *coro.T) (uint64, error) {
			v, err := q.AwaitPop(tk)
			if err != nil {
				if !errors.Is(err, coro.ErrStopped) {
					return 0, err
				}
				return 0, nil
			}
			return v, nil
		})
	}

	t.Run("queue shutdown produce", func(t *testing.T) {
		q := coro.NewQueue[uint64]()
		defer q.Close()
		require.NoError(t, q.Shutdown())
		require.ErrorIs(t, q.Push(42), coro.ErrStopped)
		v, err := coro.SyncWait(ctx, popOne(q))
		require.NoError(t, err)
		require.Zero(t, v)
		require.True(t, q.Empty())
	})

	t.Run("queue single produce consume", func(t *testing.T) {
		q := coro.NewQueue[uint64]()
		defer q.Close()
		require.NoError(t, q.Push(42))
		v, err := coro.SyncWait(ctx, popOne(q))
		require.NoError(t, err)
		require.EqualValues(t, 42, v)
		require.True(t, q.Empty())
	})

	t.Run("queue multiple produce and consume", func(t *testing.T) {
		q := coro.NewQueue[uint64]()
		defer q.Close()
		var consumers []*coro.Task[uint64]
		var any []coro.AnyTask
		for i := uint64(0); i < 10; i++ {
			require.NoError(t, q.Push(i))
			c := popOne(q)
			consumers = append(consumers, c)
			any = append(any, c)
		}
		_, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, coro.WhenAll(tk, any...) }))
		require.NoError(t, err)
		for i, c := range consumers {
			v, err := c.Result()
			require.NoError(t, err)
			require.EqualValues(t, i, v) // FIFO
		}
	})

	t.Run("queue produce consume direct", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{})
		require.NoError(t, err)
		defer tp.Close()
		q := coro.NewQueue[uint64]()
		defer q.Close()
		consumer := coro.NewTask(func(tk *coro.T) (uint64, error) {
			if err := tk.Schedule(tp); err != nil {
				return 0, err
			}
			var sum uint64
			for {
				v, err := q.AwaitPop(tk)
				if err != nil {
					return sum, nil
				}
				sum += v
			}
		})
		producer := coro.NewTask(func(tk *coro.T) (uint64, error) {
			if err := tk.Schedule(tp); err != nil {
				return 0, err
			}
			for i := uint64(0); i < 10; i++ {
				if err := q.Push(i); err != nil {
					return 1, err
				}
				if err := tk.Yield(tp); err != nil {
					return 1, err
				}
			}
			return 0, q.AwaitShutdownDrain(tk, tp)
		})
		_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, coro.WhenAll(tk, consumer, producer) }))
		require.NoError(t, err)
		sum, err := consumer.Result()
		require.NoError(t, err)
		require.EqualValues(t, 45, sum)
		rc, err := producer.Result()
		require.NoError(t, err)
		require.Zero(t, rc)
	})

	t.Run("queue multithreaded produce consume", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{})
		require.NoError(t, err)
		defer tp.Close()
		q := coro.NewQueue[uint64]()
		defer q.Close()
		wait := coro.NewLatch(3)
		defer wait.Close()
		var counter atomic.Uint64
		producer := func() coro.AnyTask {
			return coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp); err != nil {
					return none, err
				}
				for i := uint64(0); i < 100; i++ {
					if err := q.Push(i); err != nil {
						return none, err
					}
					if err := tk.Yield(tp); err != nil {
						return none, err
					}
				}
				return none, wait.CountDown(1)
			})
		}
		consumer := func() coro.AnyTask {
			return coro.NewTask(func(tk *coro.T) (struct{}, error) {
				if err := tk.Schedule(tp); err != nil {
					return none, err
				}
				for {
					v, err := q.AwaitPop(tk)
					if err != nil {
						return none, nil
					}
					counter.Add(v)
				}
			})
		}
		var tasks []coro.AnyTask
		for i := 0; i < 3; i++ {
			tasks = append(tasks, producer(), consumer())
		}
		tasks = append(tasks, coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return none, err
			}
			if err := wait.Await(tk); err != nil {
				return none, err
			}
			return none, q.AwaitShutdownDrain(tk, tp)
		}))
		_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, coro.WhenAll(tk, tasks...) }))
		require.NoError(t, err)
		require.EqualValues(t, 14850, counter.Load())
	})

	t.Run("queue stopped", func(t *testing.T) {
		q := coro.NewQueue[uint64]()
		defer q.Close()
		require.NoError(t, q.Push(42))
		require.NoError(t, q.Shutdown())
		v, err := coro.SyncWait(ctx, popOne(q))
		require.NoError(t, err)
		require.Zero(t, v)
		require.Equal(t, 1, q.Len()) // kept, not delivered
		_, err = q.Pop(ctx)
		require.ErrorIs(t, err, coro.ErrStopped)
	})

	t.Run("queue.try_pop", func(t *testing.T) {
		q := coro.NewQueue[uint64]()
		defer q.Close()
		_, err := q.TryPop()
		require.ErrorIs(t, err, coro.ErrEmpty)
		require.NoError(t, q.Push(42))
		v, err := q.TryPop()
		require.NoError(t, err)
		require.EqualValues(t, 42, v)
		require.True(t, q.Empty())
		require.NoError(t, q.Shutdown())
		_, err = q.TryPop()
		require.ErrorIs(t, err, coro.ErrStopped)
	})

	t.Run("queue shutdown_drain non-empty consumer shutdown", func(t *testing.T) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		defer tp.Close()
		q := coro.NewQueue[int]()
		defer q.Close()
		drainer := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return none, err
			}
			if err := q.Push(1); err != nil {
				return none, err
			}
			if err := q.AwaitShutdownDrain(tk, tp); err != nil {
				return none, err
			}
			if !q.IsShutdown() {
				return none, errors.New("not shut down after the drain")
			}
			return none, nil
		})
		stopper := coro.NewTask(func(tk *coro.T) (struct{}, error) {
			if err := tk.Schedule(tp); err != nil {
				return none, err
			}
			return none, q.Shutdown()
		})
		_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) { return none, coro.WhenAll(tk, drainer, stopper) }))
		require.NoError(t, err)
		_, err = drainer.Result()
		require.NoError(t, err)
		require.True(t, q.IsShutdown())
		require.Equal(t, 1, q.Len()) // nobody consumed it: the shutdown ended the drain
	})
}

func TestQueueGoroutinesWithCancellation(t *testing.T) {
	q := coro.NewQueue[int]()
	const producers, perProducer = 4, 500
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perProducer; i++ {
				assert.NoError(t, q.Push(p*perProducer+i))
				if i%50 == 0 {
					time.Sleep(50 * time.Microsecond)
				}
			}
		}()
	}
	var consumed sync.Map
	var consumedN, dup atomic.Int64
	stop := make(chan struct{})
	var cwg sync.WaitGroup
	for c := 0; c < 4; c++ {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Microsecond)
				v, err := q.Pop(ctx)
				cancel()
				if err == nil {
					if _, loaded := consumed.LoadOrStore(v, struct{}{}); loaded {
						dup.Add(1)
					}
					consumedN.Add(1)
					continue
				}
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
	}
	wg.Wait()
	// Let the consumers take everything (including values kept for consumers that gave up).
	waitUntil(t, func() bool { return consumedN.Load() >= producers*perProducer && q.Empty() })
	close(stop)
	cwg.Wait()
	require.Zero(t, dup.Load())
	require.EqualValues(t, producers*perProducer, consumedN.Load())
	require.NoError(t, q.Close())
	require.NoError(t, q.Close())
	_, err := q.Pop(context.Background())
	require.ErrorIs(t, err, coro.ErrClosed)
	require.ErrorIs(t, q.Push(1), coro.ErrClosed)
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestQueueOrderAfterCancelledPop(t *testing.T) {
	q := coro.NewQueue[int]()
	defer q.Close()
	// A Pop that gives up leaves its native pop queued; the next consumer adopts it, so values come out in order.
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	_, err := q.Pop(cctx)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	for i := 1; i <= 5; i++ {
		require.NoError(t, q.Push(i))
	}
	var got []int
	ctx := context.Background()
	for range 5 {
		v, err := q.Pop(ctx)
		require.NoError(t, err)
		got = append(got, v)
	}
	require.Equal(t, []int{1, 2, 3, 4, 5}, got)
	require.True(t, q.Empty())
}

func TestQueueShutdownWakesWaiters(t *testing.T) {
	q := coro.NewQueue[string]()
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := q.Pop(context.Background())
			errs <- err
		}()
	}
	waiter := coro.NewTask(func(tk *coro.T) (string, error) { return q.AwaitPop(tk) })
	require.NoError(t, waiter.Start())
	time.Sleep(20 * time.Millisecond) // let the goroutines block (a late one sees the shutdown as well)
	require.NoError(t, q.Shutdown())
	for range 3 {
		require.ErrorIs(t, <-errs, coro.ErrStopped)
	}
	_, err := waiter.Result()
	require.ErrorIs(t, err, coro.ErrStopped)
	require.ErrorIs(t, q.Push("late"), coro.ErrStopped)
	require.True(t, q.IsShutdown())
	require.NoError(t, q.Close())
	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}

func TestQueueShutdownDrainGoroutines(t *testing.T) {
	q := coro.NewQueue[int]()
	defer q.Close()
	for i := 1; i <= 100; i++ {
		require.NoError(t, q.Push(i))
	}
	sum := make(chan int)
	go func() {
		s := 0
		for v := range q.All(context.Background()) {
			s += v
		}
		sum <- s
	}()
	require.NoError(t, q.ShutdownDrain(context.Background()))
	require.Equal(t, 5050, <-sum)
	require.True(t, q.IsShutdown())
	require.ErrorIs(t, q.Push(1), coro.ErrStopped)

	// A drain whose context ends leaves the queue draining: pushes refused, consumers still served.
	q2 := coro.NewQueue[int]()
	defer q2.Close()
	require.NoError(t, q2.Push(7))
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, q2.ShutdownDrain(cctx), context.DeadlineExceeded)
	require.ErrorIs(t, q2.Push(8), coro.ErrStopped)
	v, err := q2.Pop(context.Background())
	require.NoError(t, err)
	require.Equal(t, 7, v)
}

func TestQueueZeroValue(t *testing.T) {
	var q coro.Queue[int]
	require.ErrorIs(t, q.Push(1), coro.ErrInvalid)
	_, err := q.Pop(context.Background())
	require.ErrorIs(t, err, coro.ErrInvalid)
	_, err = q.TryPop()
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.ErrorIs(t, q.Shutdown(), coro.ErrInvalid)
	require.ErrorIs(t, q.Close(), coro.ErrInvalid)
	require.Zero(t, q.Len())
}

func TestQueueGoroutineTaskBodies(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	require.NoError(t, err)
	defer tp.Close()
	q := coro.NewQueue[int]()
	defer q.Close()
	const n = 200
	consumer := coro.NewGoroutineTask(func(tk *coro.T) (int, error) {
		sum := 0
		for {
			v, err := q.AwaitPop(tk)
			if err != nil {
				return sum, nil
			}
			sum += v
		}
	})
	producer := coro.NewGoroutineTask(func(tk *coro.T) (struct{}, error) {
		for i := 1; i <= n; i++ {
			if err := q.Push(i); err != nil {
				return struct{}{}, err
			}
			if i%10 == 0 {
				if err := tk.Yield(tp); err != nil {
					return struct{}{}, err
				}
			}
		}
		return struct{}{}, q.AwaitShutdownDrain(tk, tp)
	})
	_, err = coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
		return struct{}{}, coro.WhenAll(tk, consumer, producer)
	}))
	require.NoError(t, err)
	sum, err := consumer.Result()
	require.NoError(t, err)
	require.Equal(t, n*(n+1)/2, sum)
}

func TestQueueTaskBodyAdoptsCancelledPop(t *testing.T) {
	q := coro.NewQueue[int]()
	defer q.Close()
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	_, err := q.Pop(cctx) // leaves its native pop queued
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	body := coro.NewTask(func(tk *coro.T) ([]int, error) {
		var got []int
		for range 3 {
			v, err := q.AwaitPop(tk) // the first one adopts the orphaned pop
			if err != nil {
				return got, err
			}
			got = append(got, v)
		}
		return got, nil
	})
	require.NoError(t, body.Start())
	for i := 1; i <= 3; i++ {
		require.NoError(t, q.Push(i))
	}
	waitUntil(t, body.Done)
	got, err := body.Result()
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3}, got)
	require.True(t, q.Empty())
}
