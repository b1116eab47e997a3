package coro_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// A task awaits another task; SyncWait runs the outer one on this goroutine's thread and returns its result.
func ExampleSyncWait() {
	double := func(x int) *coro.Task[int] {
		return coro.NewTask(func(*coro.T) (int, error) { return 2 * x, nil })
	}
	addFive := coro.NewTask(func(t *coro.T) (int, error) {
		doubled, err := coro.Await(t, double(2))
		return doubled + 5, err
	})
	v, err := coro.SyncWait(context.Background(), addFive)
	fmt.Println(v, err)
	// Output: 9 <nil>
}

// WhenAll awaits tasks of any result types; each one's outcome is then read with its Result.
func ExampleWhenAll() {
	tp, _ := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	defer tp.Close()
	square := func(x int) *coro.Task[int] {
		return coro.NewTask(func(t *coro.T) (int, error) {
			if err := t.Schedule(tp); err != nil { // continue on a pool thread
				return 0, err
			}
			return x * x, nil
		})
	}
	name := coro.NewTask(func(*coro.T) (string, error) { return "squares", nil })
	a, b := square(3), square(4)
	_, err := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (struct{}, error) {
		return struct{}{}, coro.WhenAll(t, name, a, b)
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	n, _ := name.Result()
	av, _ := a.Result()
	bv, _ := b.Result()
	fmt.Println(n, av, bv)
	// Output: squares 9 16
}

// A recursive fork-join computation on a pool: each JoinFunc node makes its children when it runs (on the pool, depth
// first), the leaves are NewFunc tasks, and the whole tree runs on the pool's threads without a goroutine per task.
func ExampleJoinFunc() {
	tp, _ := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	defer tp.Close()
	add := func(rs []int) (int, error) { return rs[0] + rs[1], nil }
	var fib func(n int) *coro.Task[int]
	fib = func(n int) *coro.Task[int] {
		if n < 2 {
			return coro.ScheduleTask(tp, coro.NewFunc(func() (int, error) { return n, nil }))
		}
		return coro.ScheduleTask(tp, coro.JoinFunc(func() []*coro.Task[int] {
			return []*coro.Task[int]{fib(n - 1), fib(n - 2)}
		}, add))
	}
	v, err := coro.SyncWait(context.Background(), fib(20))
	fmt.Println(v, err)
	// Output: 6765 <nil>
}

// WhenAny returns the index of the first task to finish; here a timer beats slow work.
func ExampleWhenAny() {
	s, _ := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	defer s.Close()
	after := func(d time.Duration, v string) *coro.Task[string] {
		return coro.NewTask(func(t *coro.T) (string, error) {
			return v, t.ScheduleAfter(s, d)
		})
	}
	work, timer := after(500*time.Millisecond, "done"), after(20*time.Millisecond, "timeout")
	winner, _ := coro.SyncWait(context.Background(), coro.NewTask(func(t *coro.T) (int, error) {
		return coro.WhenAny(t, work, timer)
	}))
	v, _ := []*coro.Task[string]{work, timer}[winner].Result()
	fmt.Println(winner, v)
	// Output: 1 timeout
}

// Tasks wait on an Event; Set resumes them right away on the setting thread, the last waiter first (LIFO).
func ExampleEvent() {
	e := coro.NewEvent(false)
	defer e.Close()
	waiter := func(i int) *coro.Task[struct{}] {
		return coro.NewTask(func(t *coro.T) (struct{}, error) {
			fmt.Println("waiter", i, "waiting")
			err := e.Await(t)
			fmt.Println("waiter", i, "resumed")
			return struct{}{}, err
		})
	}
	w1, w2 := waiter(1), waiter(2)
	_ = w1.Start() // runs until the task suspends on the event
	_ = w2.Start()
	fmt.Println("setting")
	_ = e.Set(coro.LIFO)
	fmt.Println(w1.Done(), w2.Done())
	// Output:
	// waiter 1 waiting
	// waiter 2 waiting
	// setting
	// waiter 2 resumed
	// waiter 1 resumed
	// true true
}

// A Generator is a lazy iter.Seq: this one is endless, Take stops it after five values.
func ExampleGenerator() {
	squares := coro.NewGenerator(func(yield func(int) bool) {
		for i := 1; yield(i * i); i++ {
		}
	})
	for v := range squares.Take(5) {
		fmt.Print(v, " ")
	}
	fmt.Println()
	// Output: 1 4 9 16 25
}

// Schedule runs a Go function on a pool thread and returns its result; a task body moves itself onto the pool
// with T.Schedule.
func ExampleThreadPool() {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tp.Close()
	ctx := context.Background()

	sum, _ := coro.Schedule(ctx, tp, func(context.Context) (int, error) {
		total := 0
		for i := 1; i <= 100; i++ {
			total += i
		}
		return total, nil
	})
	fmt.Println("sum:", sum)

	onPool, _ := coro.SyncWait(ctx, coro.NewTask(func(t *coro.T) (string, error) {
		if err := t.Schedule(tp); err != nil {
			return "", err
		}
		return "ran on the pool", nil
	}))
	fmt.Println(onPool)
	fmt.Println("threads:", tp.ThreadCount())
	// Output:
	// sum: 5050
	// ran on the pool
	// threads: 2
}

// A task on an IOScheduler waits for a timer, then for a result that must arrive before a timeout.
func ExampleIOScheduler() {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx := context.Background()

	waited, _ := coro.SyncWait(ctx, coro.NewTask(func(t *coro.T) (bool, error) {
		if err := t.Schedule(s); err != nil {
			return false, err
		}
		start := time.Now()
		err := t.YieldFor(s, 10*time.Millisecond) // frees the thread for other tasks meanwhile
		return time.Since(start) >= 10*time.Millisecond, err
	}))
	fmt.Println("waited 10ms:", waited)

	slow := coro.NewTask(func(t *coro.T) (int, error) { return 1, t.YieldFor(s, 200*time.Millisecond) })
	_, err = coro.SyncWait(ctx, coro.ScheduleTimeout(s, slow, 10*time.Millisecond, nil))
	fmt.Println(err)
	// Output:
	// waited 10ms: true
	// coro: timeout
}
