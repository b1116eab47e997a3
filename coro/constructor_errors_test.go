package coro_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// A constructor's bad argument is reported with the function, the argument and the value given, and matches
// ErrInvalid.
func TestConstructorErrorsNameTheArgument(t *testing.T) {
	check := func(err error, want string) {
		t.Helper()
		require.ErrorIs(t, err, coro.ErrInvalid)
		require.EqualError(t, err, want)
	}
	_, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: -1})
	check(err, "coro: NewThreadPool: ThreadCount must be 0 (one per CPU) to 65536, got -1")
	_, err = coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1 << 20}})
	check(err, "coro: NewIOScheduler: Pool.ThreadCount must be 0 (the default) to 65536, got 1048576")
	_, err = coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: 7})
	check(err, "coro: NewIOScheduler: ThreadStrategy must be SpawnThread or ManualThread, got 7")
	_, err = coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: -3})
	check(err, "coro: NewIOScheduler: ExecutionStrategy must be TasksOnThreadPool or TasksInline, got -3")
	_, err = coro.NewSemaphore(0, 0)
	check(err, "coro: NewSemaphore: limit must be >= 1, got 0")
	_, err = coro.NewSemaphore(3, -5)
	check(err, "coro: NewSemaphore: initial must be >= 0, got -5")
	_, err = coro.NewRingBuffer[int](0)
	check(err, "coro: NewRingBuffer: capacity must be 1..16 or a power of two up to 65536, got 0")
	_, err = coro.NewRingBuffer[int](17)
	check(err, "coro: NewRingBuffer: capacity must be 1..16 or a power of two up to 65536, got 17")
	_, err = coro.NewSharedMutex(nil)
	check(err, "coro: NewSharedMutex: ex must be a *ThreadPool or *IOScheduler made by its constructor, got <nil>")
	_, err = coro.NewSharedMutex(&coro.ThreadPool{})
	check(err, "coro: NewSharedMutex: ex must be a *ThreadPool or *IOScheduler made by its constructor, got *coro.ThreadPool")
}
