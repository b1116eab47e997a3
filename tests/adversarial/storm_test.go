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

// Cancellation storms: many goroutines acquire with contexts that end at random instants around the grant. A
// cancelled acquire must not hold anything; a granted one must be exclusive; at the end everything is back.

const stormWorkers = 16

// storm runs op from stormWorkers goroutines until total attempts are made and returns the granted count.
func storm(total int, op func() bool) (granted int64) {
	var attempts, ok atomic.Int64
	var wg sync.WaitGroup
	for range stormWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempts.Add(1) <= int64(total) {
				if op() {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return ok.Load()
}

func cancelled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func TestStormMutex(t *testing.T) {
	m := coro.NewMutex()
	defer m.Close()
	total := scale(20000)
	var inside, maxInside atomic.Int32
	granted := storm(total, func() bool {
		ctx, cancel := jitterCtx(50)
		defer cancel()
		err := m.Lock(ctx)
		if err != nil {
			assert.True(t, cancelled(err), "Lock: %v", err)
			return false
		}
		n := inside.Add(1)
		if n > maxInside.Load() {
			maxInside.Store(n)
		}
		inside.Add(-1)
		assert.NoError(t, m.Unlock())
		return true
	})
	t.Logf("mutex: %d attempts, %d granted", total, granted)
	assert.EqualValues(t, 1, maxInside.Load(), "two holders at once")
	// A grant that raced the last cancellation is handed back on a goroutine of its own (the stand-in's
	// completion must not unlock on the drainer): allow it a moment.
	require.True(t, eventually(5*time.Second, m.TryLock), "a lock was lost: the mutex is still held")
	require.NoError(t, m.Unlock())
}

func TestStormSemaphore(t *testing.T) {
	const permits = 3
	s, err := coro.NewSemaphore(permits, permits)
	require.NoError(t, err)
	defer s.Close()
	total := scale(20000)
	var held atomic.Int64
	var over atomic.Bool
	granted := storm(total, func() bool {
		ctx, cancel := jitterCtx(50)
		defer cancel()
		if err := s.Acquire(ctx); err != nil {
			assert.True(t, cancelled(err), "Acquire: %v", err)
			return false
		}
		if held.Add(1) > permits {
			over.Store(true)
		}
		held.Add(-1)
		assert.NoError(t, s.Release())
		return true
	})
	t.Logf("semaphore: %d attempts, %d granted", total, granted)
	assert.False(t, over.Load(), "more holders than permits")
	// A permit granted to a waiter that had just given up is handed back on a goroutine of its own: allow it a
	// moment.
	assert.True(t, eventually(5*time.Second, func() bool { return s.Value() == permits }),
		"permits lost or duplicated: %d of %d", s.Value(), permits)
	for range permits {
		require.True(t, s.TryAcquire())
	}
	require.False(t, s.TryAcquire(), "a permit was duplicated")
}

func TestStormSharedMutex(t *testing.T) {
	tp := newPool(t, 2)
	m, err := coro.NewSharedMutex(tp)
	require.NoError(t, err)
	defer m.Close()
	total := scale(10000)
	var writers, readers atomic.Int32
	var broken atomic.Bool
	granted := storm(total, func() bool {
		ctx, cancel := jitterCtx(50)
		defer cancel()
		if fastRand()%3 == 0 {
			if err := m.Lock(ctx); err != nil {
				assert.True(t, cancelled(err), "Lock: %v", err)
				return false
			}
			if writers.Add(1) != 1 || readers.Load() != 0 {
				broken.Store(true)
			}
			writers.Add(-1)
			assert.NoError(t, m.Unlock())
			return true
		}
		if err := m.LockShared(ctx); err != nil {
			assert.True(t, cancelled(err), "LockShared: %v", err)
			return false
		}
		readers.Add(1)
		if writers.Load() != 0 {
			broken.Store(true)
		}
		readers.Add(-1)
		assert.NoError(t, m.UnlockShared())
		return true
	})
	t.Logf("shared mutex: %d attempts, %d granted", total, granted)
	assert.False(t, broken.Load(), "a writer overlapped another holder")
	// A grant racing a cancellation is handed back through the executor, so the last release may trail a little.
	require.True(t, eventually(5*time.Second, m.TryLock), "a lock was lost: the shared mutex stays held")
	require.NoError(t, m.Unlock())
	require.True(t, m.TryLockShared())
	require.NoError(t, m.UnlockShared())
}

func TestStormLatch(t *testing.T) {
	// Waiters come and go with random deadlines while the count runs down; once it is zero every wait succeeds.
	count := int64(scale(2000))
	l := coro.NewLatch(count)
	defer l.Close()
	var wg sync.WaitGroup
	var early atomic.Int64
	stop := make(chan struct{})
	for range stormWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := jitterCtx(100)
				err := l.Wait(ctx)
				cancel()
				if err == nil && !l.IsReady() {
					early.Add(1)
				}
				if err != nil {
					assert.True(t, cancelled(err), "Wait: %v", err)
				}
			}
		}()
	}
	for i := range count {
		require.NoError(t, l.CountDown(1))
		if i%64 == 0 {
			time.Sleep(100 * time.Microsecond) // let waiters arrive and give up while the count is not zero
		}
	}
	close(stop)
	wg.Wait()
	assert.Zero(t, early.Load(), "Wait returned before the latch was ready")
	assert.True(t, l.IsReady())
	assert.Zero(t, l.Remaining())
	require.NoError(t, l.Wait(context.Background()))
}

func TestStormRingBuffer(t *testing.T) {
	// Producers and consumers both cancelled at random: every value produced is consumed exactly once.
	rb, err := coro.NewRingBuffer[int](4)
	require.NoError(t, err)
	defer rb.Close()
	n := scale(20000)
	const producers, consumers = 4, 4
	var next atomic.Int64
	var produced, consumed atomic.Int64
	seen := make([]atomic.Int32, n+1)
	var wg sync.WaitGroup
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				v := int(next.Add(1))
				if v > n {
					return
				}
				for {
					ctx, cancel := jitterCtx(50)
					err := rb.Produce(ctx, v)
					cancel()
					if err == nil {
						produced.Add(1)
						break
					}
					assert.True(t, cancelled(err), "Produce: %v", err)
				}
			}
		}()
	}
	var cwg sync.WaitGroup
	for range consumers {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for consumed.Load() < int64(n) {
				ctx, cancel := jitterCtx(50)
				v, err := rb.Consume(ctx)
				cancel()
				if err != nil {
					assert.True(t, cancelled(err), "Consume: %v", err)
					continue
				}
				seen[v].Add(1)
				consumed.Add(1)
			}
		}()
	}
	wg.Wait()
	cwg.Wait()
	assert.EqualValues(t, n, produced.Load())
	assert.EqualValues(t, n, consumed.Load())
	for v := 1; v <= n; v++ {
		if c := seen[v].Load(); c != 1 {
			t.Fatalf("value %d consumed %d times", v, c)
		}
	}
	assert.True(t, rb.Empty())
	t.Logf("ring buffer: %d values through 4 producers / 4 consumers with random cancellation", n)
}

func TestStormEvent(t *testing.T) {
	// Waiters with random deadlines pile up on an unset event; the ones still waiting at Set are all released,
	// the cancelled ones return their context's error, nobody hangs.
	rounds := scale(200)
	for range rounds {
		e := coro.NewEvent(false)
		var wg sync.WaitGroup
		var released, gaveUp atomic.Int64
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if i%2 == 0 {
					ctx, cancel = jitterCtx(200)
				}
				defer cancel()
				if err := e.Wait(ctx); err != nil {
					assert.True(t, cancelled(err), "Wait: %v", err)
					gaveUp.Add(1)
					return
				}
				released.Add(1)
			}()
		}
		require.NoError(t, e.Set(coro.FIFO))
		wg.Wait()
		assert.EqualValues(t, 32, released.Load()+gaveUp.Load())
		assert.GreaterOrEqual(t, released.Load(), int64(16), "a waiter without a deadline was not released")
		require.NoError(t, e.Close())
	}
}

var randState atomic.Uint64

// fastRand is a cheap shared pseudo-random source for choosing between operations.
func fastRand() uint64 {
	x := randState.Add(0x9E3779B97F4A7C15)
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	return x
}
