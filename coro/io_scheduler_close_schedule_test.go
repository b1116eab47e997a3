package coro_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Close racing task bodies that keep scheduling and yielding onto the scheduler: every body ends with ErrClosed and
// Close returns. Upstream libcoro v0.14.1 drops a coroutine scheduled after shutdown (pool mode), so under
// libcoro_external a body that passed the checks just before Close would never resume and Close would wait for it
// for ever; the shim counts such schedules like polls and refuses them once Close began (cshim/compat).
func TestIOSchedulerCloseRacingScheduleAndYield(t *testing.T) {
	rounds := 60
	if testing.Short() {
		rounds = 15
	}
	for _, tc := range []struct {
		name string
		opts coro.IOSchedulerOptions
	}{
		{"pool", coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}}},
		{"inline", coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for round := range rounds {
				s, err := coro.NewIOScheduler(tc.opts)
				require.NoError(t, err)
				const bodies = 6
				var started sync.WaitGroup
				started.Add(bodies)
				errs := make(chan error, bodies)
				for range bodies {
					go func() {
						_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
							started.Done()
							// Bounded: Close comes long before the last round trip.
							for n := 0; n < 10_000_000; n++ {
								err := tk.Schedule(s)
								if n%2 == 1 {
									err = tk.Yield(s)
								}
								if err != nil {
									return struct{}{}, err
								}
							}
							return struct{}{}, nil
						}))
						errs <- err
					}()
				}
				started.Wait()
				time.Sleep(time.Duration(round%5) * 200 * time.Microsecond)
				closed := make(chan error, 1)
				go func() { closed <- s.Close() }()
				select {
				case err := <-closed:
					require.NoError(t, err, "round %d", round)
				case <-time.After(30 * time.Second):
					t.Fatalf("round %d: Close still waiting after 30 s", round)
				}
				for range bodies {
					select {
					case err := <-errs:
						require.ErrorIs(t, err, coro.ErrClosed, "round %d", round)
					case <-time.After(30 * time.Second):
						t.Fatalf("round %d: a task body never resumed", round)
					}
				}
			}
		})
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}

// Event.SetOn and Latch.CountDownOn onto a scheduler racing its Close: every waiting task body resumes (on the
// scheduler, or on the setting thread once the scheduler is shutting down) and Close returns. Upstream v0.14.1's
// io_scheduler drops a coroutine handed over after shutdown and its event ignores that; under libcoro_external the
// shim hands waiters over through the counted schedule (cshim/compat).
func TestIOSchedulerCloseRacingSetOn(t *testing.T) {
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	for round := range rounds {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
		require.NoError(t, err)
		ev := coro.NewEvent(false)
		l := coro.NewLatch(1)
		const waiters = 4
		errs := make(chan error, 2*waiters)
		for range waiters {
			go func() {
				_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
					return struct{}{}, ev.Await(tk)
				}))
				errs <- err
			}()
			go func() {
				_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (struct{}, error) {
					return struct{}{}, l.Await(tk)
				}))
				errs <- err
			}()
		}
		time.Sleep(time.Duration(round%4) * time.Millisecond)
		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		time.Sleep(time.Duration(round%3) * 100 * time.Microsecond)
		if err := ev.SetOn(s, coro.FIFO); err != nil {
			require.ErrorIs(t, err, coro.ErrClosed, "round %d", round)
			require.NoError(t, ev.Set(coro.FIFO))
		}
		if err := l.CountDownOn(s, 1); err != nil {
			require.ErrorIs(t, err, coro.ErrClosed, "round %d", round)
			require.NoError(t, l.CountDown(1))
		}
		for range 2 * waiters {
			select {
			case err := <-errs:
				require.NoError(t, err, "round %d", round)
			case <-time.After(30 * time.Second):
				t.Fatalf("round %d: a waiter never resumed", round)
			}
		}
		select {
		case err := <-closed:
			require.NoError(t, err, "round %d", round)
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: Close still waiting after 30 s", round)
		}
		require.NoError(t, ev.Close())
		require.NoError(t, l.Close())
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}
