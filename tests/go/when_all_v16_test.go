// Parity scenarios 361–362 (libcoro v0.16 test_when_all.cpp) through package coro.
package gotest

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// parity-note: "when_all move only object": C++-only: it checks that when_all accepts tasks whose result type has no copy constructor and moves the results out; every Go value is copyable (results of several tasks are read with Result, as in "when_all multiple tasks with tuple container").

func TestWhenAllV16(t *testing.T) {
	t.Run("when_all return void", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{})
		var counter atomic.Uint64
		var tasks []*coro.Task[struct{}]
		for i := uint64(1); i <= 4; i++ {
			tasks = append(tasks, run(func(tk *coro.T) error {
				if err := tk.Schedule(tp); err != nil {
					return err
				}
				counter.Add(i)
				return nil
			}))
		}
		syncWait(t, run(func(tk *coro.T) error { return coro.WhenAll(tk, anyTasks(tasks)...) }))
		for _, task := range tasks {
			require.True(t, task.Done())
			_, err := task.Result()
			require.NoError(t, err)
		}
		require.Equal(t, uint64(10), counter.Load())
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
