package coro_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// osThreads counts the process's OS threads.
func osThreads(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/task")
	require.NoError(t, err)
	return len(entries)
}

// inChild reports whether this is the process to measure in; if not, it runs the calling test alone in a fresh
// test process (Go keeps every OS thread it ever made, so a measurement needs a process of its own) and reports
// false.
func inChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv("GOCORO_TEST_CHILD") == t.Name() {
		return true
	}
	args := []string{"-test.run=^" + strings.ReplaceAll(regexp.QuoteMeta(t.Name()), "/", "$/^") + "$", "-test.v"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GOCORO_TEST_CHILD="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("child process:\n%s", out)
	require.NoError(t, err, "the test failed in its own process")
	return false
}

// threadSlack is what the process may add to its threads besides an executor's own: Go's runtime starts a few for
// cgo calls and syscalls in flight, whatever the number of waiters.
const threadSlack = 24

// Task bodies queued on a held lock are handed the lock one after another, each from the previous holder's unlock:
// no matter how many wait, that chain must not cost an OS thread per waiter (it used to nest one blocked cgo
// callback per hand-off, and Go keeps such threads for good: ~10k waiters crashed the process).
func TestLockWaitersDoNotCostThreads(t *testing.T) {
	waiters := 2000
	if !testing.Short() {
		waiters = 10500
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	type primitive struct {
		hold    func() error           // take it from the test goroutine
		await   func(tk *coro.T) error // take it in a body
		release func() error           // give it back
	}
	cases := map[string]func(t *testing.T, tp *coro.ThreadPool) primitive{
		"mutex": func(t *testing.T, _ *coro.ThreadPool) primitive {
			m := coro.NewMutex()
			t.Cleanup(func() { _ = m.Close() })
			return primitive{
				hold:    func() error { return m.Lock(ctx) },
				await:   m.AwaitLock,
				release: m.Unlock,
			}
		},
		"semaphore": func(t *testing.T, _ *coro.ThreadPool) primitive {
			s, err := coro.NewSemaphore(1, 1)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return primitive{
				hold:    func() error { return s.Acquire(ctx) },
				await:   s.AwaitAcquire,
				release: s.Release,
			}
		},
		"shared_mutex": func(t *testing.T, tp *coro.ThreadPool) primitive {
			m, err := coro.NewSharedMutex(tp)
			require.NoError(t, err)
			t.Cleanup(func() { _ = m.Close() })
			return primitive{
				hold:    func() error { return m.Lock(ctx) },
				await:   m.AwaitLock,
				release: m.Unlock,
			}
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			if !inChild(t) {
				return
			}
			before := osThreads(t)
			tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 2})
			p := mk(t, tp)
			require.NoError(t, p.hold())

			var wg sync.WaitGroup
			var mu sync.Mutex
			var errs []error
			queued := make(chan struct{}, waiters)
			for range waiters {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) {
						if err := tk.Schedule(tp); err != nil {
							return struct{}{}, err
						}
						queued <- struct{}{}
						if err := p.await(tk); err != nil {
							return struct{}{}, err
						}
						return struct{}{}, p.release()
					}))
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}()
			}
			for range waiters {
				<-queued
			}
			// Let the last bodies reach their lock await.
			time.Sleep(50 * time.Millisecond)
			require.NoError(t, p.release())
			wg.Wait()
			require.Empty(t, errs)
			after := osThreads(t)
			t.Logf("%d waiters: %d threads before, %d after", waiters, before, after)
			require.LessOrEqual(t, after, before+tp.ThreadCount()+threadSlack,
				"the hand-off chain grew the process's threads")
		})
	}
}

// runtime.Goexit in a task body (what testing.T's FailNow and testify's require call) fails the task with
// ErrGoexit, before its first await or after one; it used to look like success with a zero value.
func TestGoexitInTaskBodyIsAnError(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	ctx := context.Background()

	early := coro.NewTask(func(tk *coro.T) (int, error) {
		runtime.Goexit()
		return 1, nil
	})
	v, err := coro.SyncWait(ctx, early)
	require.ErrorIs(t, err, coro.ErrGoexit)
	require.Zero(t, v)

	deferred := false
	late := coro.NewTask(func(tk *coro.T) (int, error) {
		defer func() { deferred = true }()
		if err := tk.Schedule(tp); err != nil {
			return 0, err
		}
		runtime.Goexit()
		return 1, nil
	})
	_, err = coro.SyncWait(ctx, late)
	require.ErrorIs(t, err, coro.ErrGoexit)
	require.True(t, deferred, "the body's deferred calls ran")

	// An awaiting parent sees the child's error and carries on.
	parent := coro.NewTask(func(tk *coro.T) (string, error) {
		_, err := coro.Await(tk, coro.NewTask(func(tk *coro.T) (int, error) {
			if err := tk.Schedule(tp); err != nil {
				return 0, err
			}
			runtime.Goexit()
			return 1, nil
		}))
		if !errors.Is(err, coro.ErrGoexit) {
			return "", fmt.Errorf("child: %v", err)
		}
		return "parent done", nil
	})
	s, err := coro.SyncWait(ctx, parent)
	require.NoError(t, err)
	require.Equal(t, "parent done", s)
}

// A T kept after its body returned fails every await at once with ErrTaskEnded, leaves the primitives as they
// were, and the pool still closes (it used to block forever, and then ThreadPool.Close spun forever).
func TestStaleTFailsAtOnce(t *testing.T) {
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	ctx := context.Background()
	var kept *coro.T
	_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) {
		kept = tk
		return struct{}{}, tk.Schedule(tp)
	}))
	require.NoError(t, err)

	m := coro.NewMutex()
	defer m.Close()
	s, err := coro.NewSemaphore(1, 0)
	require.NoError(t, err)
	defer s.Close()
	sm, err := coro.NewSharedMutex(tp)
	require.NoError(t, err)
	defer sm.Close()
	e := coro.NewEvent(false)
	defer e.Close()
	l := coro.NewLatch(1)
	defer l.Close()
	rb, err := coro.NewRingBuffer[int](1)
	require.NoError(t, err)
	defer rb.Close()
	ios, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	defer ios.Close()

	awaits := map[string]func() error{
		"Schedule": func() error { return kept.Schedule(tp) },
		"Yield":    func() error { return kept.Yield(tp) },
		"Await": func() error {
			_, err := coro.Await(kept, coro.NewFunc(func() (int, error) { return 1, nil }))
			return err
		},
		"WhenAll": func() error { return coro.WhenAll(kept, coro.NewFunc(func() (int, error) { return 1, nil })) },
		"WhenAny": func() error {
			_, err := coro.WhenAny(kept, coro.NewFunc(func() (int, error) { return 1, nil }))
			return err
		},
		"Mutex":         func() error { return m.AwaitLock(kept) },
		"Semaphore":     func() error { return s.AwaitAcquire(kept) },
		"SharedMutex":   func() error { return sm.AwaitLock(kept) },
		"SharedMutexSh": func() error { return sm.AwaitLockShared(kept) },
		"Event":         func() error { return e.Await(kept) },
		"Latch":         func() error { return l.Await(kept) },
		"Produce":       func() error { return rb.AwaitProduce(kept, 1) },
		"Consume":       func() error { _, err := rb.AwaitConsume(kept); return err },
		"YieldFor":      func() error { return kept.YieldFor(ios, time.Millisecond) },
		"Poll":          func() error { _, err := kept.Poll(ios, 0, coro.PollRead, time.Millisecond); return err },
	}
	for name, await := range awaits {
		done := make(chan error, 1)
		go func() { done <- await() }()
		select {
		case err := <-done:
			require.ErrorIs(t, err, coro.ErrTaskEnded, name)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s with a stale T blocked", name)
		}
	}
	// Nothing was taken or queued by the failed awaits.
	require.True(t, m.TryLock())
	require.NoError(t, m.Unlock())
	require.True(t, sm.TryLock())
	require.NoError(t, sm.Unlock())
	require.Equal(t, 0, rb.Size())

	closed := make(chan error, 1)
	go func() { closed <- tp.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("ThreadPool.Close hung after a stale T was used")
	}
}

// The longest waits YieldFor accepts really wait: math.MaxInt64 used to overflow the millisecond rounding (and then
// the scheduler's nanosecond clock) and return at once. Such a wait never ends by itself; Close cancels it
// (ErrClosed), so the bodies still waiting end and free their handles.
func TestYieldForLongestWaits(t *testing.T) {
	before := coro.LiveHandles()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	var bodies sync.WaitGroup
	for _, d := range []time.Duration{math.MaxInt64, math.MaxInt64 - time.Millisecond/2, 1 << 62} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		bodies.Add(1)
		_, err := coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (struct{}, error) {
			defer bodies.Done()
			err := tk.YieldFor(s, d)
			assert.ErrorIs(t, err, coro.ErrClosed, "YieldFor(%d) ended other than by Close", d)
			return struct{}{}, err
		}))
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded, "YieldFor(%d) ended early", d)
	}
	require.NoError(t, s.Close())
	bodies.Wait()
	require.Eventually(t, func() bool { return coro.LiveHandles() <= before }, 10*time.Second, time.Millisecond,
		"handles: %d before, %d after", before, coro.LiveHandles())
}

// runtime.Goexit in a NewFunc started from a goroutine (SyncWait runs its fn right there) ends that goroutine, as
// calling Goexit there directly would, and fails the task with ErrGoexit: the task used to stay running forever.
func TestGoexitInNewFuncStartedFromGoroutine(t *testing.T) {
	task := coro.NewFunc(func() (int, error) { runtime.Goexit(); return 1, nil })
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = coro.SyncWait(context.Background(), task)
	}()
	<-done
	require.True(t, task.Done())
	_, err := task.Result()
	require.ErrorIs(t, err, coro.ErrGoexit)
}
