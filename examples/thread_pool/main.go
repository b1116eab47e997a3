// Command thread_pool is the main demo: it computes primes on a libcoro thread_pool from Go, the way
// libcoro's thread_pool README example does, and prints what it found.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"

	"github.com/gocoro/gocoro/coro"
)

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

// run splits [0, limit) into chunks, counts primes in each chunk on the pool, and reports to w.
func run(w io.Writer, threads, limit, chunk int) error {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: threads})
	if err != nil {
		return err
	}
	defer tp.Close()

	ctx := context.Background()
	type result struct{ lo, count int }
	results := make(chan result)
	errs := make(chan error, 1)
	n := 0
	for lo := 0; lo < limit; lo += chunk {
		n++
		go func(lo int) {
			c, err := coro.Schedule(ctx, tp, func(context.Context) (int, error) {
				count := 0
				for i := lo; i < lo+chunk && i < limit; i++ {
					if isPrime(i) {
						count++
					}
				}
				return count, nil
			})
			if err != nil {
				select {
				case errs <- err:
				default:
				}
			}
			results <- result{lo, c}
		}(lo)
	}
	var all []result
	total := 0
	for i := 0; i < n; i++ {
		r := <-results
		all = append(all, r)
		total += r.count
	}
	select {
	case err := <-errs:
		return err
	default:
	}
	sort.Slice(all, func(i, j int) bool { return all[i].lo < all[j].lo })
	fmt.Fprintf(w, "thread_pool with %d threads\n", tp.ThreadCount())
	for _, r := range all {
		fmt.Fprintf(w, "primes in [%d, %d): %d\n", r.lo, min(r.lo+chunk, limit), r.count)
	}
	fmt.Fprintf(w, "primes below %d: %d\n", limit, total)
	return nil
}

func main() {
	if err := run(os.Stdout, runtime.NumCPU(), 100_000, 25_000); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
