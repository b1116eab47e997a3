package coro_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Task bodies awaiting in a tight loop must not starve the program's other goroutines. Under NewTask every await is
// a hand-off between the body's goroutine and the executor thread's callback goroutine (locked to that thread); the
// Go runtime runs each readied goroutine next, so without the bodies yielding now and then the goroutines queued
// behind them never ran (seen: four goroutines runnable for 4 minutes, and a Close racing such bodies "still
// waiting" in CI). Each executor kind, and both task models, are covered.
func TestAwaitingBodiesDoNotStarveGoroutines(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	require.NoError(t, err)
	defer tp.Close()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	require.NoError(t, err)
	defer s.Close()

	type await func(tk *coro.T) error
	for _, tc := range []struct {
		name      string
		goroutine bool
		await     await
	}{
		{"thread_pool_schedule", false, func(tk *coro.T) error { return tk.Schedule(tp) }},
		{"thread_pool_yield", false, func(tk *coro.T) error { return tk.Yield(tp) }},
		{"io_scheduler_schedule", false, func(tk *coro.T) error { return tk.Schedule(s) }},
		{"io_scheduler_yield_goroutine_model", true, func(tk *coro.T) error { return tk.Yield(s) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stop atomic.Bool
			var spinning sync.WaitGroup
			// More bodies than executor threads, all made at once: the ones queued behind the first must start too.
			const bodies = 6
			spinning.Add(bodies)
			ended := make(chan error, bodies)
			for range bodies {
				body := func(tk *coro.T) (struct{}, error) {
					spinning.Done()
					for !stop.Load() {
						if err := tc.await(tk); err != nil {
							return struct{}{}, err
						}
					}
					return struct{}{}, nil
				}
				task := coro.NewTask(body)
				if tc.goroutine {
					task = coro.NewGoroutineTask(body)
				}
				go func() {
					_, err := coro.SyncWait(context.Background(), task)
					ended <- err
				}()
			}
			if !waitWithin(&spinning) {
				stop.Store(true)
				t.Fatal("task bodies made at once did not all start within 20 s")
			}
			// Goroutines made while the bodies spin: each must get to run.
			goroutinesRun(t, "made while task bodies await in a loop")
			stop.Store(true)
			for range bodies {
				require.NoError(t, <-ended)
			}
		})
	}
}

// The same for Go functions that C++ runs on executor threads (Spawn here): each runs on a guest goroutine the
// callback waits for, another hand-off the runtime runs next. Functions that keep spawning themselves must not
// starve the program's other goroutines either.
func TestSpawnChainsDoNotStarveGoroutines(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	require.NoError(t, err)
	defer s.Close()
	var stop atomic.Bool
	var chains sync.WaitGroup
	const chainCount = 4
	chains.Add(chainCount)
	var spawn func()
	spawn = func() {
		if stop.Load() || s.Spawn(spawn) != nil {
			chains.Done()
		}
	}
	for range chainCount {
		require.NoError(t, s.Spawn(spawn))
	}
	goroutinesRun(t, "made while Go functions keep spawning themselves")
	stop.Store(true)
	chains.Wait()
}

// goroutinesRun makes a few goroutines and fails t unless all of them run within 20 s.
func goroutinesRun(t *testing.T, while string) {
	const others = 8
	var ran sync.WaitGroup
	ran.Add(others)
	for range others {
		go ran.Done()
	}
	if !waitWithin(&ran) {
		t.Errorf("goroutines %s did not run within 20 s", while)
	}
}

// waitWithin reports whether wg is done within 20 s.
func waitWithin(wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(20 * time.Second):
		return false
	}
}
