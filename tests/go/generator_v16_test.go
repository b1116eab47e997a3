// Parity scenarios 236–237 (libcoro v0.16 test_generator.cpp) through package coro. A Generator runs on the
// ranging goroutine, so "co_await inside a generator" is the body blocking on a task with SyncWait.
package gotest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestGeneratorV16(t *testing.T) {
	t.Run("generator allow co_await internally", func(t *testing.T) {
		inner := func() coro.Generator[int] {
			return coro.NewGenerator(func(yield func(int) bool) {
				for i := 1; i <= 3; i++ {
					if !yield(i) {
						return
					}
				}
			})
		}
		five := func() *coro.Task[int] {
			return coro.NewTask(func(*coro.T) (int, error) { return 5, nil })
		}
		var awaitErr error
		gen := coro.NewGenerator(func(yield func(int) bool) {
			if !yield(100) || !yield(200) {
				return
			}
			for v := range inner() {
				if !yield(v) {
					return
				}
			}
			v, err := coro.SyncWait(context.Background(), five())
			if err != nil {
				awaitErr = err
				return
			}
			if !yield(v) {
				return
			}
			yield(300)
		})
		var got []int
		for v := range gen {
			got = append(got, v)
		}
		require.NoError(t, awaitErr)
		require.Equal(t, []int{100, 200, 1, 2, 3, 5, 300}, got)
	})

	t.Run("generator throws", func(t *testing.T) {
		gen := coro.NewGenerator(func(yield func(int) bool) {
			if !yield(1) {
				return
			}
			panic(errors.New("I always throw."))
		})
		var got []int
		recovered := func() (r any) {
			defer func() { r = recover() }()
			for v := range gen {
				got = append(got, v)
			}
			return nil
		}()
		require.Equal(t, []int{1}, got, "the value before the panic reaches the loop")
		err, ok := recovered.(error)
		require.True(t, ok, "the panic escapes the range loop: %v", recovered)
		require.EqualError(t, err, "I always throw.")
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
