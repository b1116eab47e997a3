package gobench

import (
	"sync"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// The fork-join shapes of the native program (fib, nqueens) at a size picked from n, the wanted number of tasks:
// the largest problem whose task tree has at most n tasks (so -quick shrinks them too). ops = tasks. Go versions
// compose natively (ScheduleTask + JoinFunc over NewFunc leaves on a 2-thread pool, every task scheduling first, each
// node making its children when it runs); plain-Go versions spawn a goroutine per task and join with a WaitGroup.
// Only the tree's run is measured (Measured): not the search for the size, nor the serial check of the result.

func fibTasks(k int) int64 {
	if k < 2 {
		return 1
	}
	return 1 + fibTasks(k-1) + fibTasks(k-2)
}

func fibSerial(k int) int64 {
	if k < 2 {
		return int64(k)
	}
	return fibSerial(k-1) + fibSerial(k-2)
}

func fibSize(n int) int {
	k := 1
	for fibTasks(k+1) <= int64(n) {
		k++
	}
	return k
}

func sum(rs []int64) (int64, error) {
	var s int64
	for _, r := range rs {
		s += r
	}
	return s, nil
}

func fibJoin(n int) (int64, error) {
	k := fibSize(n)
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	if err != nil {
		return 0, err
	}
	defer tp.Close()
	var fib func(k int) *coro.Task[int64]
	fib = func(k int) *coro.Task[int64] {
		if k < 2 {
			return coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return int64(k), nil }))
		}
		return coro.ScheduleTask(tp, coro.JoinFunc(func() []*coro.Task[int64] {
			return []*coro.Task[int64]{fib(k - 1), fib(k - 2)}
		}, sum))
	}
	start := time.Now()
	v, err := coro.SyncWait(ctx, fib(k))
	Measured = time.Since(start)
	if err != nil {
		return 0, err
	}
	return fibTasks(k), check("fib", v, fibSerial(k))
}

func plainFib(n int) (int64, error) {
	k := fibSize(n)
	var fib func(k int) int64
	fib = func(k int) int64 {
		if k < 2 {
			return int64(k)
		}
		var a, b int64
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); a = fib(k - 1) }()
		go func() { defer wg.Done(); b = fib(k - 2) }()
		wg.Wait()
		return a + b
	}
	start := time.Now()
	v := fib(k)
	Measured = time.Since(start)
	return fibTasks(k), check("fib", v, fibSerial(k))
}

// queens counts the search nodes (tasks) and the solutions of the k-queens problem, serially.
func queens(k, row int, cols, d1, d2 uint32) (nodes, solutions int64) {
	nodes = 1
	if row == k {
		return nodes, 1
	}
	for c := 0; c < k; c++ {
		if cols&(1<<c) != 0 || d1&(1<<(row+c)) != 0 || d2&(1<<(row-c+k)) != 0 {
			continue
		}
		n, s := queens(k, row+1, cols|1<<c, d1|1<<(row+c), d2|1<<(row-c+k))
		nodes += n
		solutions += s
	}
	return nodes, solutions
}

func nqueensSize(n int) int {
	k := 4
	for {
		if nodes, _ := queens(k+1, 0, 0, 0, 0); nodes > int64(n) || k >= 14 {
			return k
		}
		k++
	}
}

func nqueensJoin(n int) (int64, error) {
	k := nqueensSize(n)
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	if err != nil {
		return 0, err
	}
	defer tp.Close()
	var node func(row int, cols, d1, d2 uint32) *coro.Task[int64]
	node = func(row int, cols, d1, d2 uint32) *coro.Task[int64] {
		if row == k {
			return coro.ScheduleTask(tp, coro.NewFunc(func() (int64, error) { return 1, nil }))
		}
		return coro.ScheduleTask(tp, coro.JoinFunc(func() []*coro.Task[int64] {
			var children []*coro.Task[int64]
			for c := 0; c < k; c++ {
				if cols&(1<<c) != 0 || d1&(1<<(row+c)) != 0 || d2&(1<<(row-c+k)) != 0 {
					continue
				}
				children = append(children, node(row+1, cols|1<<c, d1|1<<(row+c), d2|1<<(row-c+k)))
			}
			return children
		}, sum))
	}
	start := time.Now()
	v, err := coro.SyncWait(ctx, node(0, 0, 0, 0))
	Measured = time.Since(start)
	if err != nil {
		return 0, err
	}
	nodes, solutions := queens(k, 0, 0, 0, 0)
	return nodes, check("nqueens", v, solutions)
}

func plainNqueens(n int) (int64, error) {
	k := nqueensSize(n)
	var node func(row int, cols, d1, d2 uint32) int64
	node = func(row int, cols, d1, d2 uint32) int64 {
		if row == k {
			return 1
		}
		var total int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		for c := 0; c < k; c++ {
			if cols&(1<<c) != 0 || d1&(1<<(row+c)) != 0 || d2&(1<<(row-c+k)) != 0 {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				v := node(row+1, cols|1<<c, d1|1<<(row+c), d2|1<<(row-c+k))
				mu.Lock()
				total += v
				mu.Unlock()
			}()
		}
		wg.Wait()
		return total
	}
	start := time.Now()
	v := node(0, 0, 0, 0)
	Measured = time.Since(start)
	nodes, solutions := queens(k, 0, 0, 0, 0)
	return nodes, check("nqueens", v, solutions)
}
