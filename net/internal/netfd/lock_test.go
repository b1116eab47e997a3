package netfd

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOpLockExcludes(t *testing.T) {
	var l opLock
	var wg sync.WaitGroup
	inside, total := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2000 {
				require.NoError(t, l.lock(context.Background(), nil))
				inside++
				require.Equal(t, 1, inside)
				total++
				inside--
				l.unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 8*2000, total)
	require.Equal(t, unlocked, l.state.Load())
	require.Empty(t, l.waiters)
}

func TestOpLockWaitGivesUp(t *testing.T) {
	var l opLock
	require.NoError(t, l.lock(context.Background(), nil))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, l.lock(ctx, nil), context.DeadlineExceeded)
	closing := make(chan struct{})
	close(closing)
	require.ErrorIs(t, l.lock(context.Background(), closing), net.ErrClosed)
	require.Empty(t, l.waiters, "a waiter that gave up leaves the queue")
	l.unlock()
	require.Equal(t, unlocked, l.state.Load())
	require.NoError(t, l.lock(context.Background(), nil), "the lock is free again")
	l.unlock()
}

// Waiters that give up while the holder hands the lock over must pass it on, never lose or duplicate it.
func TestOpLockCancelRacesHandOver(t *testing.T) {
	var l opLock
	var mu sync.Mutex // held exactly when l is: TryLock fails if l were ever held twice
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				ctx, cancel := context.WithCancel(context.Background())
				if (g+i)%2 == 0 {
					cancel()
				}
				if l.lock(ctx, nil) == nil {
					require.True(t, mu.TryLock(), "lock held twice")
					mu.Unlock()
					l.unlock()
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	require.NoError(t, l.lock(context.Background(), nil), "the lock was not lost")
	l.unlock()
	require.Equal(t, unlocked, l.state.Load())
}
