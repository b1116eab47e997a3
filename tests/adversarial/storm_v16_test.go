package adversarial

// Cancellation storms for libcoro v0.16's constructs (Queue, ConditionVariable, TaskGroup), with the same
// conservation counts as storm_test.go's: nothing lost, nothing duplicated, nothing left held.

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

func TestStormQueue(t *testing.T) {
	// Producers push 1..n, consumers pop with random deadlines (and TryPop now and then): every value is taken
	// exactly once and the queue ends empty.
	q := coro.NewQueue[int]()
	defer q.Close()
	n := scale(20000)
	const producers, consumers = 4, 4
	var next, consumed atomic.Int64
	seen := make([]atomic.Int32, n+1)
	var wg sync.WaitGroup
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := int(next.Add(1)); v <= n; v = int(next.Add(1)) {
				assert.NoError(t, q.Push(v))
			}
		}()
	}
	for range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for consumed.Load() < int64(n) {
				var v int
				var err error
				if fastRand()%8 == 0 {
					v, err = q.TryPop()
					if errors.Is(err, coro.ErrEmpty) || errors.Is(err, coro.ErrBusy) {
						continue
					}
				} else {
					ctx, cancel := jitterCtx(50)
					v, err = q.Pop(ctx)
					cancel()
					if cancelled(err) {
						continue
					}
				}
				if !assert.NoError(t, err) {
					return
				}
				seen[v].Add(1)
				consumed.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, n, consumed.Load())
	for v := 1; v <= n; v++ {
		if c := seen[v].Load(); c != 1 {
			t.Fatalf("value %d taken %d times", v, c)
		}
	}
	assert.Zero(t, q.Len())
	t.Logf("queue: %d values through %d producers / %d consumers with random cancellation", n, producers, consumers)
}

func TestStormConditionVariable(t *testing.T) {
	// A counter guarded by a Mutex: producers add items and notify (one or all), consumers wait for an item with
	// random deadlines. Every wait returns with the mutex held (one holder at a time), every item is taken once.
	cv := coro.NewConditionVariable()
	defer cv.Close()
	m := coro.NewMutex()
	defer m.Close()
	n := scale(10000)
	var items, taken int // guarded by m
	var inside, maxInside atomic.Int32
	hold := func() {
		if c := inside.Add(1); c > maxInside.Load() {
			maxInside.Store(c)
		}
	}
	var takenAtomic, timeouts atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	// More consumers than producers, so that waits do block and deadlines do cut some of them.
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if !assert.NoError(t, m.Lock(context.Background())) {
					return
				}
				hold()
				items++
				inside.Add(-1)
				assert.NoError(t, m.Unlock())
				if fastRand()%4 == 0 {
					cv.NotifyAll()
				} else {
					cv.NotifyOne()
				}
			}
		}()
	}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for takenAtomic.Load() < int64(n) {
				if !assert.NoError(t, m.Lock(context.Background())) {
					return
				}
				ctx, cancel := jitterCtx(50)
				ok, err := cv.WaitPred(ctx, m, func() bool { return items > 0 })
				cancel()
				hold()
				if ok {
					items--
					taken++
					takenAtomic.Add(1)
				} else {
					assert.True(t, cancelled(err), "WaitPred: %v", err)
					timeouts.Add(1)
				}
				inside.Add(-1)
				assert.NoError(t, m.Unlock())
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, maxInside.Load(), "a wait returned without the mutex")
	assert.Equal(t, n, taken)
	assert.Zero(t, items)
	require.True(t, m.TryLock(), "the mutex is still held")
	require.NoError(t, m.Unlock())
	t.Logf("condition variable: %d items, %d waits ended by their deadline", n, timeouts.Load())
}

func TestStormTaskGroup(t *testing.T) {
	// Goroutines add members (Go, Start) while others wait with random deadlines: every accepted member runs
	// exactly once, a wait ends with nil or its context's error, and the group ends empty.
	tp := newPool(t, 2)
	g, err := coro.NewTaskGroup(tp)
	require.NoError(t, err)
	defer g.Close()
	total := scale(20000)
	var accepted, ran, waitsOK, waitsCut atomic.Int64
	granted := storm(total, func() bool {
		switch fastRand() % 3 {
		case 0:
			if !assert.NoError(t, g.Go(func() { ran.Add(1) })) {
				return false
			}
			accepted.Add(1)
			return true
		case 1:
			if !assert.NoError(t, g.Start(coro.NewFunc(func() (int, error) { ran.Add(1); return 0, nil }))) {
				return false
			}
			accepted.Add(1)
			return true
		default:
			ctx, cancel := jitterCtx(2000)
			defer cancel()
			if err := g.Wait(ctx); err != nil {
				assert.True(t, cancelled(err), "Wait: %v", err)
				waitsCut.Add(1)
				return false
			}
			waitsOK.Add(1)
			return false
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, g.Wait(ctx))
	assert.Equal(t, accepted.Load(), granted)
	assert.Equal(t, accepted.Load(), ran.Load(), "members accepted vs run")
	assert.Zero(t, g.Size())
	t.Logf("task group: %d members, %d waits done, %d cut by their deadline", ran.Load(), waitsOK.Load(), waitsCut.Load())
}
