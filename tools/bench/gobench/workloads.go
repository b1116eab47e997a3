// Package gobench holds the benchmark workloads driven from Go: each libcoro benchmark shape written once
// through package coro ("go") and once in plain Go with goroutines, channels and sync ("plaingo", what a Go user
// would otherwise write). The C++ program tools/bench/cpp runs the same shapes natively ("native"). They are run
// by testing.B benchmarks in this package and by the suite driver (go run ./tools/bench).
package gobench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// Workload is one benchmark shape. Run performs n iterations and returns how many operations that counted as
// (some shapes count several operations per iteration, like the C++ program does).
//
// Shapes that need set-up outside the measured part (event_wake parks goroutines first; the fork-join shapes pick
// their size and check their result) report the measured time through Measured; for the others the caller times Run.
type Workload struct {
	Name  string // same name as the C++ program's workload where one exists
	Suite string // core | forkjoin | net
	Impl  string // go | plaingo
	// N is the default iteration count (the upstream benchmark's count where the Go implementation can afford it).
	N   int
	Run func(n int) (ops int64, err error)
}

// Measured collects time measured inside a Run (reset by the caller before each Run); zero means "time all of Run".
var Measured time.Duration

// All lists every Go-driven workload.
func All() []Workload {
	return []Workload{
		{"direct_call", "core", "plaingo", 5_000_000, directCall},
		{"sync_wait", "core", "go", 1_000_000, syncWaitFunc},
		{"sync_wait_gobody", "core", "go", 200_000, syncWait(false)},
		{"sync_wait_gobody_goroutine", "core", "go", 200_000, syncWait(true)},
		{"sync_wait", "core", "plaingo", 5_000_000, plainSyncWait},
		{"when_all_x10", "core", "go", 200_000, joinX10},
		{"when_all_x10_gobody", "core", "go", 20_000, whenAllX10(false)},
		{"when_all_x10_gobody_goroutine", "core", "go", 20_000, whenAllX10(true)},
		{"when_all_x10", "core", "plaingo", 500_000, plainWhenAllX10},
		{"thread_pool_1", "core", "go", 1_000_000, threadPoolFunc(1)},
		{"thread_pool_1_gobody", "core", "go", 100_000, threadPool(1, false)},
		{"thread_pool_1_gobody_goroutine", "core", "go", 100_000, threadPool(1, true)},
		{"thread_pool_1", "core", "plaingo", 5_000_000, plainPool(1)},
		{"thread_pool_2", "core", "go", 1_000_000, threadPoolFunc(2)},
		{"thread_pool_2_gobody", "core", "go", 100_000, threadPool(2, false)},
		{"thread_pool_2_gobody_goroutine", "core", "go", 100_000, threadPool(2, true)},
		{"thread_pool_2", "core", "plaingo", 5_000_000, plainPool(2)},
		{"schedule_func", "core", "go", 100_000, scheduleFunc},
		{"scheduler_yield", "core", "go", 50_000, schedulerYield(false, "scheduler_yield", 0)},
		{"scheduler_yield_goroutine", "core", "go", 50_000, schedulerYield(true, "scheduler_yield", 0)},
		{"scheduler_yield", "core", "plaingo", 5_000_000, plainYield("scheduler_yield", 0)},
		{"scheduler_yield_for", "core", "go", 50_000, schedulerYield(false, "scheduler_yield_for", time.Millisecond)},
		{"scheduler_yield_for_goroutine", "core", "go", 50_000, schedulerYield(true, "scheduler_yield_for", time.Millisecond)},
		{"scheduler_yield_for", "core", "plaingo", 1_000_000, plainYield("scheduler_yield_for", time.Millisecond)},
		{"scheduler_event", "core", "go", 50_000, schedulerEvent(false)},
		{"scheduler_event_goroutine", "core", "go", 50_000, schedulerEvent(true)},
		{"scheduler_event", "core", "plaingo", 1_000_000, plainEvent},
		{"mutex_uncontended", "core", "go", 5_000_000, mutexUncontended},
		{"mutex_uncontended", "core", "plaingo", 5_000_000, plainMutex},
		{"event_wake_1", "core", "go", 2_000, eventWake(1)},
		{"event_wake_1", "core", "plaingo", 20_000, plainEventWake(1)},
		{"event_wake_100", "core", "go", 200, eventWake(100)},
		{"event_wake_100", "core", "plaingo", 2_000, plainEventWake(100)},
		{"event_wake_10000", "core", "go", 5, eventWake(10_000)},
		{"event_wake_10000", "core", "plaingo", 20, plainEventWake(10_000)},
		{"when_all_vector_x10", "core", "go", 200_000, joinX10},
		{"when_all_vector_x10", "core", "plaingo", 500_000, plainWhenAllX10},
		{"thread_pool_n", "core", "go", 1_000_000, threadPoolFunc(runtime.NumCPU())},
		{"thread_pool_n", "core", "plaingo", 5_000_000, plainPool(runtime.NumCPU())},
		{"fib_250k", "forkjoin", "go", 250_000, fibJoin},
		{"fib_250k", "forkjoin", "plaingo", 250_000, plainFib},
		{"nqueens_170k", "forkjoin", "go", 170_000, nqueensJoin},
		{"nqueens_170k", "forkjoin", "plaingo", 170_000, plainNqueens},
		{"skynet_1m", "forkjoin", "go", 1_000_000, skynetJoin},
		{"skynet_1m_gobody", "forkjoin", "go", 1_000_000, skynet(false)},
		{"skynet_1m_gobody_goroutine", "forkjoin", "go", 1_000_000, skynet(true)},
		{"skynet_1m", "forkjoin", "plaingo", 1_000_000, plainSkynet},
		{"matmul", "forkjoin", "go", 1 << 30, matmulTasks(false)},
		{"matmul_goroutine", "forkjoin", "go", 1 << 30, matmulTasks(true)},
		{"matmul", "forkjoin", "plaingo", 1 << 30, plainMatmul},
		{"tcp_echo_pool", "net", "go", 100_000, tcpEchoPool},
		{"tcp_echo_pool", "net", "plaingo", 100_000, plainTCPEcho},
		{"tcp_echo_goclient", "net", "go", 100_000, tcpEchoGoClient},
		{"tcp_echo_goclient", "net", "plaingo", 100_000, plainTCPEcho},
		{"tcp_connect", "net", "go", 20_000, tcpConnect},
		{"tcp_connect", "net", "plaingo", 20_000, plainTCPConnect},
		{"udp_echo_pool", "net", "go", 100_000, udpEchoPool},
		{"udp_echo_pool", "net", "plaingo", 100_000, plainUDPEcho},
		{"udp_echo_goclient", "net", "go", 100_000, udpEchoGoClient},
		{"udp_echo_goclient", "net", "plaingo", 100_000, plainUDPEcho},
	}
}

var ctx = context.Background()

// newBody makes a task with a Go body under the task model a row measures: coro.NewTask (the "_gobody" and
// scheduler_* rows) or coro.NewGoroutineTask (their "_goroutine" variants).
func newBody[R any](onGoroutine bool, body func(t *coro.T) (R, error)) *coro.Task[R] {
	if onGoroutine {
		return coro.NewGoroutineTask(body)
	}
	return coro.NewTask(body)
}

func check(name string, got, want int64) error {
	if got != want {
		return fmt.Errorf("%s: got %d, want %d", name, got, want)
	}
	return nil
}

// B1: the baseline.
func directCall(n int) (int64, error) {
	var counter atomic.Int64
	f := func() { counter.Add(1) }
	for i := 0; i < n; i++ {
		f()
	}
	return int64(n), check("direct_call", counter.Load(), int64(n))
}

// B2: sync_wait(task -> 1).
func syncWait(g bool) func(int) (int64, error) {
	return func(n int) (int64, error) {
		var sum int64
		for i := 0; i < n; i++ {
			v, err := coro.SyncWait(ctx, newBody(g, func(*coro.T) (int64, error) { return 1, nil }))
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return int64(n), check("sync_wait", sum, int64(n))
	}
}

// B2 with a leaf task (NewFunc): the body runs inline, no goroutine.
func syncWaitFunc(n int) (int64, error) {
	var sum int64
	for i := 0; i < n; i++ {
		v, err := coro.SyncWait(ctx, coro.NewFunc(func() (int64, error) { return 1, nil }))
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return int64(n), check("sync_wait", sum, int64(n))
}

func plainSyncWait(n int) (int64, error) {
	var sum int64
	task := func() int64 { return 1 }
	for i := 0; i < n; i++ {
		sum += task()
	}
	return int64(n), check("sync_wait", sum, int64(n))
}

// B3: sync_wait(when_all(10 tasks -> 1)); n rounds of 10.
func whenAllX10(g bool) func(int) (int64, error) {
	return func(n int) (int64, error) {
		var sum int64
		for i := 0; i < n; i++ {
			children := make([]*coro.Task[int64], 10)
			anys := make([]coro.AnyTask, 10)
			for j := range children {
				children[j] = newBody(g, func(*coro.T) (int64, error) { return 1, nil })
				anys[j] = children[j]
			}
			_, err := coro.SyncWait(ctx, newBody(g, func(t *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(t, anys...) }))
			if err != nil {
				return 0, err
			}
			for _, c := range children {
				v, _ := c.Result()
				sum += v
			}
		}
		return int64(n) * 10, check("when_all_x10", sum, int64(n)*10)
	}
}

// B3 composed natively: Join over 10 leaves.
func joinX10(n int) (int64, error) {
	var sum int64
	for i := 0; i < n; i++ {
		children := make([]*coro.Task[int64], 10)
		for j := range children {
			children[j] = coro.NewFunc(func() (int64, error) { return 1, nil })
		}
		v, err := coro.SyncWait(ctx, coro.Join(children, func(rs []int64) (int64, error) {
			var s int64
			for _, r := range rs {
				s += r
			}
			return s, nil
		}))
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return int64(n) * 10, check("when_all_x10", sum, int64(n)*10)
}

func plainWhenAllX10(n int) (int64, error) {
	var sum int64
	for i := 0; i < n; i++ {
		var wg sync.WaitGroup
		results := make([]int64, 10)
		for j := range results {
			wg.Add(1)
			go func() { defer wg.Done(); results[j] = 1 }()
		}
		wg.Wait()
		for _, v := range results {
			sum += v
		}
	}
	return int64(n) * 10, check("when_all_x10", sum, int64(n)*10)
}

// B5/B6: n tasks (schedule, increment) started from this goroutine; Close drains them.
func threadPool(threads int, g bool) func(int) (int64, error) {
	return func(n int) (int64, error) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: threads})
		if err != nil {
			return 0, err
		}
		var counter atomic.Int64
		for i := 0; i < n; i++ {
			task := newBody(g, func(t *coro.T) (struct{}, error) {
				if err := t.Schedule(tp); err != nil {
					return struct{}{}, err
				}
				counter.Add(1)
				return struct{}{}, nil
			})
			if err := task.Start(); err != nil {
				return 0, err
			}
		}
		for counter.Load() != int64(n) {
			time.Sleep(100 * time.Microsecond)
		}
		if err := tp.Close(); err != nil {
			return 0, err
		}
		return int64(n), check("thread_pool", counter.Load(), int64(n))
	}
}

// B5/B6 with leaf tasks scheduled natively: ScheduleTask(tp, NewFunc(increment)).
func threadPoolFunc(threads int) func(int) (int64, error) {
	return func(n int) (int64, error) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: threads})
		if err != nil {
			return 0, err
		}
		var counter atomic.Int64
		inc := func() (struct{}, error) { counter.Add(1); return struct{}{}, nil }
		for i := 0; i < n; i++ {
			if err := coro.ScheduleTask(tp, coro.NewFunc(inc)).Start(); err != nil {
				return 0, err
			}
		}
		if err := tp.Close(); err != nil {
			return 0, err
		}
		return int64(n), check("thread_pool", counter.Load(), int64(n))
	}
}

// The Go idiom for a fixed pool: worker goroutines draining a channel of functions.
func plainPool(workers int) func(int) (int64, error) {
	return func(n int) (int64, error) {
		work := make(chan func(), 1024)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for f := range work {
					f()
				}
			}()
		}
		var counter atomic.Int64
		for i := 0; i < n; i++ {
			work <- func() { counter.Add(1) }
		}
		close(work)
		wg.Wait()
		return int64(n), check("thread_pool", counter.Load(), int64(n))
	}
}

// A plain Go function run on a pool thread: the binding's cheapest path onto an executor.
func scheduleFunc(n int) (int64, error) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	if err != nil {
		return 0, err
	}
	defer tp.Close()
	var sum int64
	for i := 0; i < n; i++ {
		v, err := coro.Schedule(ctx, tp, func(context.Context) (int64, error) { return 1, nil })
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return int64(n), check("schedule_func", sum, int64(n))
}

// whenAllOn runs n task bodies from one parent with WhenAll and counts them.
func whenAllOn(g bool, name string, n int, body func(t *coro.T) error) (int64, error) {
	var counter atomic.Int64
	tasks := make([]coro.AnyTask, n)
	for i := range tasks {
		tasks[i] = newBody(g, func(t *coro.T) (struct{}, error) {
			if err := body(t); err != nil {
				return struct{}{}, err
			}
			counter.Add(1)
			return struct{}{}, nil
		})
	}
	_, err := coro.SyncWait(ctx, newBody(g, func(t *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(t, tasks...) }))
	if err != nil {
		return 0, err
	}
	return int64(n), check(name, counter.Load(), int64(n))
}

func scheduler1() (*coro.IOScheduler, error) {
	return coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
}

// B8 (wait 0: yield) and B9 (yield_for wait): sched(1), (schedule, yield, increment); 2 ops per task like the C++
// program.
func schedulerYield(g bool, name string, wait time.Duration) func(int) (int64, error) {
	return func(n int) (int64, error) {
		s, err := scheduler1()
		if err != nil {
			return 0, err
		}
		defer s.Close()
		ops, err := whenAllOn(g, name, n, func(t *coro.T) error {
			if err := t.Schedule(s); err != nil {
				return err
			}
			if wait == 0 {
				return t.Yield(s)
			}
			return t.YieldFor(s, wait)
		})
		return 2 * ops, err
	}
}

// plainYield is B8 (wait 0: runtime.Gosched) and B9 (time.Sleep(wait)) with plain goroutines.
func plainYield(name string, wait time.Duration) func(int) (int64, error) {
	return func(n int) (int64, error) {
		var counter atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if wait == 0 {
					runtime.Gosched()
				} else {
					time.Sleep(wait)
				}
				counter.Add(1)
			}()
		}
		wg.Wait()
		return 2 * int64(n), check(name, counter.Load(), int64(n))
	}
}

// B10: n events; a waiter (schedule, await, increment) and a resumer (schedule, set) per event; 3 ops each.
func schedulerEvent(g bool) func(int) (int64, error) {
	return func(n int) (int64, error) {
		s, err := scheduler1()
		if err != nil {
			return 0, err
		}
		defer s.Close()
		events := make([]*coro.Event, n)
		for i := range events {
			events[i] = coro.NewEvent(false)
		}
		defer func() {
			for _, e := range events {
				e.Close()
			}
		}()
		var counter atomic.Int64
		tasks := make([]coro.AnyTask, 0, 2*n)
		for i := 0; i < n; i++ {
			e := events[i]
			tasks = append(tasks, newBody(g, func(t *coro.T) (struct{}, error) {
				if err := t.Schedule(s); err != nil {
					return struct{}{}, err
				}
				if err := e.Await(t); err != nil {
					return struct{}{}, err
				}
				counter.Add(1)
				return struct{}{}, nil
			}), newBody(g, func(t *coro.T) (struct{}, error) {
				if err := t.Schedule(s); err != nil {
					return struct{}{}, err
				}
				return struct{}{}, e.Set(coro.LIFO)
			}))
		}
		_, err = coro.SyncWait(ctx, newBody(g, func(t *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(t, tasks...) }))
		if err != nil {
			return 0, err
		}
		return 3 * int64(n), check("scheduler_event", counter.Load(), int64(n))
	}
}

func plainEvent(n int) (int64, error) {
	var counter atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		e := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-e; counter.Add(1) }()
		go func() { defer wg.Done(); close(e) }()
	}
	wg.Wait()
	return 3 * int64(n), check("scheduler_event", counter.Load(), int64(n))
}

func mutexUncontended(n int) (int64, error) {
	m := coro.NewMutex()
	defer m.Close()
	for i := 0; i < n; i++ {
		if err := m.Lock(ctx); err != nil {
			return 0, err
		}
		if err := m.Unlock(); err != nil {
			return 0, err
		}
	}
	return int64(n), nil
}

func plainMutex(n int) (int64, error) {
	var m sync.Mutex
	for i := 0; i < n; i++ {
		m.Lock()
		m.Unlock() //nolint:staticcheck // the empty critical section is the point
	}
	return int64(n), nil
}

// eventWake: `waiters` goroutines park in Event.Wait; one Set wakes them all. ops = goroutines resumed.
func eventWake(waiters int) func(int) (int64, error) {
	return func(n int) (int64, error) {
		var total time.Duration
		for round := 0; round < n; round++ {
			e := coro.NewEvent(false)
			var parked, woken sync.WaitGroup
			parked.Add(waiters)
			woken.Add(waiters)
			for i := 0; i < waiters; i++ {
				go func() {
					parked.Done()
					if e.Wait(ctx) == nil {
						woken.Done()
					}
				}()
			}
			parked.Wait()
			time.Sleep(time.Millisecond) // let them reach the wait
			start := time.Now()
			if err := e.Set(coro.LIFO); err != nil {
				return 0, err
			}
			woken.Wait()
			total += time.Since(start)
			e.Close()
		}
		Measured = total
		return int64(n) * int64(waiters), nil
	}
}

func plainEventWake(waiters int) func(int) (int64, error) {
	return func(n int) (int64, error) {
		var total time.Duration
		for round := 0; round < n; round++ {
			e := make(chan struct{})
			var parked, woken sync.WaitGroup
			parked.Add(waiters)
			woken.Add(waiters)
			for i := 0; i < waiters; i++ {
				go func() {
					parked.Done()
					<-e
					woken.Done()
				}()
			}
			parked.Wait()
			time.Sleep(time.Millisecond)
			start := time.Now()
			close(e)
			woken.Wait()
			total += time.Since(start)
		}
		Measured = total
		return int64(n) * int64(waiters), nil
	}
}

// skynet with Go task bodies on a 2-thread pool: every node first schedules onto the pool; inner nodes await
// their 10 children with WhenAll. n is the number of leaves (a power of 10); ops = tasks.
func skynet(g bool) func(int) (int64, error) {
	return func(n int) (int64, error) {
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
		if err != nil {
			return 0, err
		}
		defer tp.Close()
		var tasks atomic.Int64
		var node func(num, size int64) *coro.Task[int64]
		node = func(num, size int64) *coro.Task[int64] {
			return newBody(g, func(t *coro.T) (int64, error) {
				tasks.Add(1)
				if err := t.Schedule(tp); err != nil {
					return 0, err
				}
				if size == 1 {
					return num, nil
				}
				children := make([]*coro.Task[int64], 10)
				anys := make([]coro.AnyTask, 10)
				for i := range children {
					children[i] = node(num+int64(i)*(size/10), size/10)
					anys[i] = children[i]
				}
				if err := coro.WhenAll(t, anys...); err != nil {
					return 0, err
				}
				var sum int64
				for _, c := range children {
					v, err := c.Result()
					if err != nil {
						return 0, err
					}
					sum += v
				}
				return sum, nil
			})
		}
		start := time.Now()
		sum, err := coro.SyncWait(ctx, node(0, int64(n)))
		Measured = time.Since(start)
		if err != nil {
			return 0, err
		}
		return tasks.Load(), check("skynet", sum, int64(n)*int64(n-1)/2)
	}
}

// skynet composed natively: nodes are ScheduleTask(pool, JoinFunc(children, sum)), leaves ScheduleTask(pool, NewFunc);
// each node makes its children when it runs.
func skynetJoin(n int) (int64, error) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	if err != nil {
		return 0, err
	}
	defer tp.Close()
	var tasks atomic.Int64 // counted as they are made, on the pool's threads
	sum := func(rs []int64) (int64, error) {
		var s int64
		for _, r := range rs {
			s += r
		}
		return s, nil
	}
	var node func(num, size int64) *coro.Task[int64]
	node = func(num, size int64) *coro.Task[int64] {
		tasks.Add(1)
		if size == 1 {
			return coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return num, nil }))
		}
		return coro.ScheduleTask(tp, coro.JoinFunc(func() []*coro.Task[int64] {
			children := make([]*coro.Task[int64], 10)
			for i := range children {
				children[i] = node(num+int64(i)*(size/10), size/10)
			}
			return children
		}, sum))
	}
	start := time.Now()
	total, err := coro.SyncWait(ctx, node(0, int64(n)))
	Measured = time.Since(start)
	if err != nil {
		return 0, err
	}
	return tasks.Load(), check("skynet", total, int64(n)*int64(n-1)/2)
}

func plainSkynet(n int) (int64, error) {
	var tasks atomic.Int64
	var node func(num, size int64, out chan<- int64)
	node = func(num, size int64, out chan<- int64) {
		tasks.Add(1)
		if size == 1 {
			out <- num
			return
		}
		ch := make(chan int64, 10)
		for i := int64(0); i < 10; i++ {
			go node(num+i*(size/10), size/10, ch)
		}
		var sum int64
		for i := 0; i < 10; i++ {
			sum += <-ch
		}
		out <- sum
	}
	out := make(chan int64, 1)
	start := time.Now()
	go node(0, int64(n), out)
	sum := <-out
	Measured = time.Since(start)
	return tasks.Load(), check("skynet", sum, int64(n)*int64(n-1)/2)
}
