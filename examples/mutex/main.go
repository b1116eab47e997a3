// Command mutex is the Go version of libcoro's mutex example: 100 tasks on a 4-thread pool each append their
// number to a shared slice inside a coro.Mutex critical section.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gocoro/gocoro/coro"
)

// criticalSection runs numTasks tasks on tp; each appends its number to the output under m.
func criticalSection(tp *coro.ThreadPool, numTasks uint64) ([]uint64, error) {
	m := coro.NewMutex()
	defer m.Close()
	var output []uint64 // guarded by m

	var tasks []coro.AnyTask
	for i := uint64(1); i <= numTasks; i++ {
		tasks = append(tasks, coro.NewTask(func(t *coro.T) (struct{}, error) {
			if err := t.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			// AwaitLock suspends the task (not the thread) until it holds the mutex.
			if err := m.AwaitLock(t); err != nil {
				return struct{}{}, err
			}
			output = append(output, i)
			// Unlock hands the lock straight to a waiting task, which runs inline here.
			return struct{}{}, m.Unlock()
		}))
	}
	all := coro.NewTask(func(t *coro.T) (struct{}, error) { return struct{}{}, coro.WhenAll(t, tasks...) })
	if _, err := coro.SyncWait(context.Background(), all); err != nil {
		return nil, err
	}
	for _, task := range tasks {
		if _, err := task.(*coro.Task[struct{}]).Result(); err != nil {
			return nil, err
		}
	}
	return output, nil
}

func run(w io.Writer) error {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 4})
	if err != nil {
		return err
	}
	defer tp.Close()
	output, err := criticalSection(tp, 100)
	if err != nil {
		return err
	}
	// The order varies from run to run with how the workers pick the tasks up and acquire the lock.
	for _, v := range output {
		fmt.Fprintf(w, "%d, ", v)
	}
	fmt.Fprintln(w)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
