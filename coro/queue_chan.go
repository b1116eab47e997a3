//go:build cgo

package coro

import "context"

// Chan returns a channel that receives the queue's values in order, for code that selects over channels: a goroutine
// Pops (as Pop(ctx) does) and sends each value on the unbuffered channel, and closes the channel once the queue is
// shut down or closed, or ctx ends. Stop receiving by cancelling ctx: the goroutine only ends when the channel
// closes.
//
// A value is never lost in the hand-over: if ctx ends after the goroutine popped a value but before a receiver took
// it, the value goes back to the front of the queue, ahead of everything still stored (the next Pop, TryPop or
// AwaitPop gets it first, and Len counts it). If the queue was shut down meanwhile it is kept there as Shutdown keeps
// stored values; if the queue was closed it is dropped with the rest, as Close drops stored values.
//
// Each call starts its own goroutine; several channels over one queue share its values like several consumers.
// Draining a queue with ShutdownDrain works as with Pop: the drain ends once the receivers have taken every value.
func (q *Queue[V]) Chan(ctx context.Context) <-chan V {
	ch := make(chan V)
	go func() {
		defer close(ch)
		for {
			v, err := q.Pop(ctx)
			if err != nil {
				return // ErrStopped, ErrClosed, ErrInvalid or ctx.Err(): nothing was popped
			}
			select {
			case ch <- v:
			case <-ctx.Done():
				q.unpop(v)
				return
			}
		}
	}()
	return ch
}

// unpop puts v, popped but not delivered, back at the front of the queue: the stash is served before the C++ queue.
// After Close it is dropped, as Close dropped the other values.
func (q *Queue[V]) unpop(v V) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing.Load() {
		return
	}
	q.stash = append(q.stash, v)
	copy(q.stash[1:], q.stash)
	q.stash[0] = v
}
