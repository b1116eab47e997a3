// Parity scenarios 68–76 (coro::when_all) through package coro. coro.WhenAll awaits the tasks inside a task
// body; each task's outcome (the C++ when_all_task's return_value()) is then read with its Result.
package gotest

import (
	"container/list"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// anyTasks converts a slice of tasks to the argument list of coro.WhenAll.
func anyTasks[V any](tasks []*coro.Task[V]) []coro.AnyTask {
	out := make([]coro.AnyTask, len(tasks))
	for i, task := range tasks {
		out[i] = task
	}
	return out
}

func TestWhenAll(t *testing.T) {
	t.Run("when_all single task with tuple container", func(t *testing.T) {
		t1 := valueTask(uint64(100))
		syncWait(t, run(func(tk *coro.T) error { return coro.WhenAll(tk, t1) }))
		require.Equal(t, uint64(100), sumAll(t, []*coro.Task[uint64]{t1}))
	})

	t.Run("when_all single task with tuple container by move", func(t *testing.T) {
		// parity-note: "when_all single task with tuple container by move": Go has no std::move; the named task variable itself is handed to WhenAll and its Result read afterwards.
		named := valueTask(uint64(100))
		syncWait(t, run(func(tk *coro.T) error { return coro.WhenAll(tk, named) }))
		require.Equal(t, uint64(100), sumAll(t, []*coro.Task[uint64]{named}))
	})

	t.Run("when_all multiple tasks with tuple container", func(t *testing.T) {
		t1, t2, t3 := valueTask(uint64(100)), valueTask(uint64(50)), valueTask(uint64(20))
		syncWait(t, run(func(tk *coro.T) error { return coro.WhenAll(tk, t1, t2, t3) }))
		out := []*coro.Task[uint64]{t1, t2, t3}
		require.Len(t, out, 3)
		require.Equal(t, uint64(170), sumAll(t, out))
	})

	t.Run("when_all single task with vector container", func(t *testing.T) {
		tasks := []*coro.Task[uint64]{valueTask(uint64(100))}
		whenAll(t, tasks)
		require.Len(t, tasks, 1)
		require.Equal(t, uint64(100), sumAll(t, tasks))
	})

	t.Run("when_all multple task withs vector container", func(t *testing.T) {
		var tasks []*coro.Task[uint64]
		for _, v := range []uint64{100, 200, 550, 1000} {
			tasks = append(tasks, valueTask(v))
		}
		whenAll(t, tasks)
		require.Len(t, tasks, 4)
		require.Equal(t, uint64(1850), sumAll(t, tasks))
	})

	t.Run("when_all multple task withs list container", func(t *testing.T) {
		l := list.New()
		for _, v := range []uint64{100, 200, 550, 1000} {
			l.PushBack(valueTask(v))
		}
		var input []coro.AnyTask
		for e := l.Front(); e != nil; e = e.Next() {
			input = append(input, e.Value.(*coro.Task[uint64]))
		}
		syncWait(t, run(func(tk *coro.T) error { return coro.WhenAll(tk, input...) }))
		var output []*coro.Task[uint64]
		for e := l.Front(); e != nil; e = e.Next() {
			output = append(output, e.Value.(*coro.Task[uint64]))
		}
		require.Len(t, output, 4)
		require.Equal(t, uint64(1850), sumAll(t, output))
	})

	t.Run("when_all inside coroutine", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{})
		runner := coro.NewTask(func(tk *coro.T) (uint64, error) {
			l := list.New()
			for _, v := range []uint64{1, 2, 3} {
				l.PushBack(scheduled(tp, v))
			}
			var tasks []coro.AnyTask
			for e := l.Front(); e != nil; e = e.Next() {
				tasks = append(tasks, e.Value.(*coro.Task[uint64]))
			}
			if err := coro.WhenAll(tk, tasks...); err != nil {
				return 0, err
			}
			var sum uint64
			for e := l.Front(); e != nil; e = e.Next() {
				v, err := e.Value.(*coro.Task[uint64]).Result()
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		})
		require.Equal(t, uint64(6), syncWait(t, runner))
	})

	t.Run("when_all use std::ranges::view", func(t *testing.T) {
		// parity-note: "when_all use std::ranges::view": a non-owning view over the task vector maps to an iter.Seq (slices.Values) collected into WhenAll's argument list.
		tp := newPool(t, coro.ThreadPoolOptions{})
		runner := coro.NewTask(func(tk *coro.T) (uint64, error) {
			tasks := []coro.AnyTask{scheduled(tp, uint64(1)), scheduled(tp, uint64(2)), scheduled(tp, uint64(3))}
			if err := coro.WhenAll(tk, slices.Collect(slices.Values(tasks))...); err != nil {
				return 0, err
			}
			var sum uint64
			for _, task := range tasks {
				v, err := task.(*coro.Task[uint64]).Result()
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		})
		require.Equal(t, uint64(6), syncWait(t, runner))
	})

	t.Run("when_all each task throws", func(t *testing.T) {
		tp := newPool(t, coro.ThreadPoolOptions{})
		var tasks []*coro.Task[uint64]
		for i := uint64(1); i <= 4; i++ {
			tasks = append(tasks, coro.NewTask(func(tk *coro.T) (uint64, error) {
				if err := tk.Schedule(tp); err != nil {
					return 0, err
				}
				if i%2 == 0 {
					panic(errors.New("I always throw."))
				}
				return i, nil
			}))
		}
		// when_all itself does not fail; each task's own outcome is in its Result.
		_, err := coro.SyncWait(t.Context(), run(func(tk *coro.T) error { return coro.WhenAll(tk, anyTasks(tasks)...) }))
		require.NoError(t, err)
		for i := uint64(1); i <= 4; i++ {
			v, err := tasks[i-1].Result()
			if i%2 == 0 {
				requirePanicked(t, err, "I always throw.")
			} else {
				require.NoError(t, err)
				require.Equal(t, i, v)
			}
		}
	})
}
