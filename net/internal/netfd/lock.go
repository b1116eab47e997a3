package netfd

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// opLock serialises one direction of a socket, like the read and write locks of Go's internal/poll.fdMutex: an
// uncontended Lock/Unlock is one compare-and-swap each (the 1-slot channel it replaces cost two channel
// operations, each with a runtime lock, on every Read and Write). A contended Lock queues and can give up when a
// context ends or the socket closes, which fdMutex cannot; the queue is only touched under contention.
type opLock struct {
	state   atomic.Int32 // unlocked, locked or contended (locked, and waiters may be queued)
	mu      sync.Mutex   // guards waiters
	waiters []chan struct{}
}

const (
	unlocked int32 = iota
	locked
	contended
)

// lock takes the lock, or returns ctx.Err() / net.ErrClosed when ctx ends or closing is closed first. The fast
// path is small enough to inline into every Read and Write; the queue is in lockSlow.
func (l *opLock) lock(ctx context.Context, closing <-chan struct{}) error {
	if l.state.CompareAndSwap(unlocked, locked) {
		return nil
	}
	return l.lockSlow(ctx, closing)
}

func (l *opLock) lockSlow(ctx context.Context, closing <-chan struct{}) error {
	l.mu.Lock()
	for {
		s := l.state.Load()
		if s == unlocked && l.state.CompareAndSwap(unlocked, locked) {
			l.mu.Unlock()
			return nil
		}
		// Marking the lock contended (under mu) makes the holder's unlock take the slow path and see the waiter.
		if s == contended || s == locked && l.state.CompareAndSwap(locked, contended) {
			break
		}
	}
	w := make(chan struct{})
	l.waiters = append(l.waiters, w)
	l.mu.Unlock()
	var err error
	select {
	case <-w:
		return nil // handed over by unlock
	case <-ctx.Done():
		err = ctx.Err()
	case <-closing:
		err = net.ErrClosed
	}
	l.mu.Lock()
	for i, x := range l.waiters {
		if x == w {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			l.mu.Unlock()
			return err
		}
	}
	l.mu.Unlock()
	// unlock handed the lock over while we gave up: pass it on.
	l.unlock()
	return err
}

// unlock releases the lock, handing it to the first waiter if there is one.
func (l *opLock) unlock() {
	if !l.state.CompareAndSwap(locked, unlocked) {
		l.unlockSlow()
	}
}

func (l *opLock) unlockSlow() {
	l.mu.Lock()
	if len(l.waiters) == 0 {
		l.state.Store(unlocked)
		l.mu.Unlock()
		return
	}
	w := l.waiters[0]
	l.waiters[0] = nil
	l.waiters = l.waiters[1:]
	if len(l.waiters) == 0 {
		l.state.Store(locked) // the new holder's unlock can take the fast path again
	}
	l.mu.Unlock()
	close(w)
}
