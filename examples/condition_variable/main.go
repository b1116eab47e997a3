// Command condition_variable shows coro.ConditionVariable (libcoro v0.16's coro::condition_variable) with a
// coro.Mutex: three task bodies on a thread pool wait until a shared value is ready (a wait with a predicate
// releases the mutex while suspended and returns holding it), a goroutine publishes the value and wakes them all;
// then a timed wait that nobody notifies times out.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// shared is the state the condition variable guards; m protects it.
type shared struct {
	m     *coro.Mutex
	cv    *coro.ConditionVariable
	ready bool
	value int
}

// waiter suspends until s.ready, then reads s.value under the mutex.
func waiter(tp *coro.ThreadPool, s *shared) *coro.Task[int] {
	return coro.NewTask(func(t *coro.T) (int, error) {
		if err := t.Schedule(tp); err != nil {
			return 0, err
		}
		if err := s.m.AwaitLock(t); err != nil {
			return 0, err
		}
		defer s.m.Unlock()
		if _, err := s.cv.AwaitPred(t, context.Background(), s.m, func() bool { return s.ready }); err != nil {
			return 0, err
		}
		return s.value, nil
	})
}

func run(w io.Writer) error {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	if err != nil {
		return err
	}
	defer tp.Close()
	s := &shared{m: coro.NewMutex(), cv: coro.NewConditionVariable()}
	defer s.m.Close()
	defer s.cv.Close()

	var waiters []*coro.Task[int]
	for range 3 {
		task, err := coro.SpawnJoinable(tp, waiter(tp, s))
		if err != nil {
			return err
		}
		waiters = append(waiters, task)
	}

	// Publish under the mutex, then wake every waiter; a waiter that had not started waiting yet finds ready
	// true and does not wait at all.
	ctx := context.Background()
	if err := s.m.Lock(ctx); err != nil {
		return err
	}
	s.value, s.ready = 42, true
	if err := s.m.Unlock(); err != nil {
		return err
	}
	s.cv.NotifyAll()
	for i, task := range waiters {
		v, err := coro.SyncWait(ctx, task)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "waiter %d saw %d\n", i, v)
	}

	// Nobody notifies this wait: it times out after 20ms and returns holding the mutex.
	timed := coro.NewTask(func(t *coro.T) (coro.CVStatus, error) {
		if err := s.m.AwaitLock(t); err != nil {
			return 0, err
		}
		defer s.m.Unlock()
		return s.cv.AwaitFor(t, tp, s.m, 20*time.Millisecond)
	})
	st, err := coro.SyncWait(ctx, timed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "timed wait: %v\n", st)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
