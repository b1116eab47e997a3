// Command generator shows coro.Generator: a task ranges over an endless generator of increasing numbers and stops
// once it has seen the number it counts to (libcoro's generator example).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gocoro/gocoro/coro"
)

// naturals yields 0, 1, 2, ... for as long as its consumer keeps asking.
func naturals() coro.Generator[uint64] {
	return coro.NewGenerator(func(yield func(uint64) bool) {
		for i := uint64(0); yield(i); i++ {
		}
	})
}

// countTo prints numbers from the generator up to and including n.
func countTo(w io.Writer, n uint64) *coro.Task[struct{}] {
	return coro.NewTask(func(*coro.T) (struct{}, error) {
		for v := range naturals() {
			fmt.Fprintf(w, "%d, ", v)
			if v >= n {
				break
			}
		}
		return struct{}{}, nil
	})
}

func run(w io.Writer) error {
	_, err := coro.SyncWait(context.Background(), countTo(w, 100))
	fmt.Fprintln(w)
	return err
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
