package adversarial

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Close under ten thousand blocked waiters of each kind, goroutines and task bodies alike: every waiter returns
// ErrClosed (or, for a grant that won the race, nil), nobody is left blocked, and every handle is freed.

// closeUnderWaiters starts n waiters, closes once they had a moment to block, and checks what they returned.
func closeUnderWaiters(t *testing.T, n int, wait func() error, closeFn func() error) {
	t.Helper()
	before := coro.LiveHandles()
	var wg sync.WaitGroup
	var started atomic.Int64
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Add(1)
			errs <- wait()
		}()
	}
	require.True(t, eventually(30*time.Second, func() bool { return started.Load() == int64(n) }))
	time.Sleep(100 * time.Millisecond) // let them block
	require.NoError(t, closeFn())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("waiters still blocked a minute after Close")
	}
	close(errs)
	closed := 0
	for err := range errs {
		if errors.Is(err, coro.ErrClosed) {
			closed++
		} else {
			assert.NoError(t, err)
		}
	}
	assert.Greater(t, closed, 0)
	assert.True(t, eventually(10*time.Second, func() bool { return coro.LiveHandles() <= before }),
		"live handles: %d before, %d after", before, coro.LiveHandles())
}

// inBody turns a task-body wait into a goroutine waiter: the body moves onto tp and suspends there natively.
func inBody(tp *coro.ThreadPool, wait func(tk *coro.T) error) func() error {
	return func() error {
		_, err := coro.SyncWait(context.Background(), coro.NewTask(func(tk *coro.T) (int, error) {
			if err := tk.Schedule(tp); err != nil {
				return 0, err
			}
			return 0, wait(tk)
		}))
		return err
	}
}

// unlockAfter ends a condition-variable wait: the wait took m back (whatever it returned), so give it up.
func unlockAfter(m *coro.Mutex, err error) error {
	if uerr := m.Unlock(); uerr != nil {
		return uerr
	}
	return err
}

func TestCloseUnderWaiters(t *testing.T) {
	n := scale(10000)
	bg := context.Background()
	for _, body := range []bool{false, true} {
		kind := "goroutines"
		if body {
			kind = "task bodies"
		}
		// pick returns the goroutine or the task-body form of a wait.
		pick := func(tp *coro.ThreadPool, g func() error, b func(tk *coro.T) error) func() error {
			if body {
				return inBody(tp, b)
			}
			return g
		}
		t.Run("Semaphore.Acquire/"+kind, func(t *testing.T) {
			s, err := coro.NewSemaphore(1, 0)
			require.NoError(t, err)
			closeUnderWaiters(t, n, pick(newPool(t, 2), func() error { return s.Acquire(bg) }, s.AwaitAcquire), s.Close)
		})
		t.Run("Latch.Wait/"+kind, func(t *testing.T) {
			l := coro.NewLatch(1)
			closeUnderWaiters(t, n, pick(newPool(t, 2), func() error { return l.Wait(bg) }, l.Await), l.Close)
		})
		t.Run("RingBuffer.Consume/"+kind, func(t *testing.T) {
			rb, err := coro.NewRingBuffer[int](1)
			require.NoError(t, err)
			closeUnderWaiters(t, n, pick(newPool(t, 2),
				func() error { _, err := rb.Consume(bg); return err },
				func(tk *coro.T) error { _, err := rb.AwaitConsume(tk); return err }), rb.Close)
		})
		t.Run("RingBuffer.Produce/"+kind, func(t *testing.T) {
			rb, err := coro.NewRingBuffer[int](1)
			require.NoError(t, err)
			require.NoError(t, rb.Produce(bg, 0))
			closeUnderWaiters(t, n, pick(newPool(t, 2),
				func() error { return rb.Produce(bg, 1) },
				func(tk *coro.T) error { return rb.AwaitProduce(tk, 1) }), rb.Close)
		})
		t.Run("Event.Wait/"+kind, func(t *testing.T) {
			e := coro.NewEvent(false)
			closeUnderWaiters(t, n, pick(newPool(t, 2), func() error { return e.Wait(bg) }, e.Await), e.Close)
		})
		t.Run("Queue.Pop/"+kind, func(t *testing.T) {
			q := coro.NewQueue[int]()
			closeUnderWaiters(t, n, pick(newPool(t, 2),
				func() error { _, err := q.Pop(bg); return err },
				func(tk *coro.T) error { _, err := q.AwaitPop(tk); return err }), q.Close)
		})
		t.Run("ConditionVariable.Wait/"+kind, func(t *testing.T) {
			cv := coro.NewConditionVariable()
			m := coro.NewMutex()
			defer m.Close()
			closeUnderWaiters(t, n, pick(newPool(t, 2),
				func() error {
					if err := m.Lock(bg); err != nil {
						return err
					}
					return unlockAfter(m, cv.Wait(bg, m))
				},
				func(tk *coro.T) error {
					if err := m.AwaitLock(tk); err != nil {
						return err
					}
					return unlockAfter(m, cv.Await(tk, m))
				}), cv.Close)
		})
		t.Run("TaskGroup.Wait/"+kind, func(t *testing.T) {
			// One member blocked on a gate keeps the group busy; Close releases the waiters, then the gate opens.
			g, err := coro.NewTaskGroup(newPool(t, 1))
			require.NoError(t, err)
			gate := make(chan struct{})
			require.NoError(t, g.Go(func() { <-gate }))
			closeUnderWaiters(t, n, pick(newPool(t, 2), func() error { return g.Wait(bg) }, g.Await), func() error {
				defer close(gate)
				return g.Close()
			})
		})
		// A held Mutex/SharedMutex: every waiter gets ErrClosed at once, and once the holder gives the lock back
		// (Unlock after Close still releases) every handle is freed. Until that Unlock the native lock is held,
		// so its queued stand-ins stay live: the holder's Unlock is part of the contract.
		t.Run("Mutex.Lock/"+kind, func(t *testing.T) {
			m := coro.NewMutex()
			require.True(t, m.TryLock())
			closeUnderWaiters(t, n, pick(newPool(t, 2), func() error { return m.Lock(bg) }, m.AwaitLock), func() error {
				err := m.Close()
				_ = m.Unlock()
				return err
			})
		})
		t.Run("SharedMutex.Lock+LockShared/"+kind, func(t *testing.T) {
			m, err := coro.NewSharedMutex(newPool(t, 2))
			require.NoError(t, err)
			require.True(t, m.TryLock())
			var i atomic.Int64
			closeUnderWaiters(t, n, pick(newPool(t, 2),
				func() error {
					if i.Add(1)%2 == 0 {
						return m.LockShared(bg)
					}
					return m.Lock(bg)
				},
				func(tk *coro.T) error {
					if i.Add(1)%2 == 0 {
						return m.AwaitLockShared(tk)
					}
					return m.AwaitLock(tk)
				}), func() error {
				err := m.Close()
				_ = m.Unlock()
				return err
			})
		})
	}
	t.Run("ThreadPool.Schedule queued", func(t *testing.T) {
		// One worker blocked on a gate, thousands of functions queued behind it: Close runs or refuses each.
		tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
		require.NoError(t, err)
		gate := make(chan struct{})
		require.NoError(t, tp.Spawn(func() { <-gate }))
		var ran atomic.Int64
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := coro.Schedule(bg, tp, func(context.Context) (int, error) { ran.Add(1); return 0, nil })
				errs <- err
			}()
		}
		time.Sleep(50 * time.Millisecond)
		go func() { time.Sleep(20 * time.Millisecond); close(gate) }()
		require.NoError(t, tp.Close())
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			if err == nil {
				ok++
			} else {
				assert.ErrorIs(t, err, coro.ErrClosed)
			}
		}
		assert.EqualValues(t, ok, ran.Load(), "a function reported as run did not run, or ran unreported")
	})
}
