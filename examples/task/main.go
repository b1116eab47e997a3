// Command task shows coro.Task: tasks awaiting tasks, and tasks handing back large values and pointers
// without copying them (libcoro's task example). Go has no move constructors, so where the C++ example prints
// each move this one checks that the records arrive in the very slice the task built.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/gocoro/gocoro/coro"
)

// doubleAndAdd5 awaits a task doubling input, then adds 5.
func doubleAndAdd5(input uint64) *coro.Task[uint64] {
	return coro.NewTask(func(t *coro.T) (uint64, error) {
		double := coro.NewTask(func(*coro.T) (uint64, error) { return input * 2, nil })
		doubled, err := coro.Await(t, double)
		if err != nil {
			return 0, err
		}
		return doubled + 5, nil
	})
}

type expensive struct {
	id      string
	records []string
}

func run(w io.Writer) error {
	ctx := context.Background()

	output, err := coro.SyncWait(ctx, doubleAndAdd5(2))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Task1 output = %d\n", output)

	// A large value: the task's result shares the records it built (no copy of the backing array).
	var built *string
	data, err := coro.SyncWait(ctx, coro.NewTask(func(*coro.T) (expensive, error) {
		d := expensive{id: "12345678-1234-5678-9012-123456781234"}
		for i := 10_000; i < 100_000; i++ {
			d.records = append(d.records, strconv.Itoa(i))
		}
		built = &d.records[0]
		return d, nil
	}))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s has %d records.\n", data.id, len(data.records))
	fmt.Fprintf(w, "records copied: %t\n", built != &data.records[0])

	// A pointer result, the Go counterpart of returning a std::unique_ptr.
	answer, err := coro.SyncWait(ctx, coro.NewTask(func(*coro.T) (*uint64, error) {
		v := uint64(42)
		return &v, nil
	}))
	if err != nil {
		return err
	}
	if answer != nil {
		fmt.Fprintf(w, "Answer to everything = %d\n", *answer)
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
