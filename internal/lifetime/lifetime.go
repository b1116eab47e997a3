// Package lifetime decides when an object whose resource must not go away while in use (a C++ object, a file
// descriptor) may be freed: after Close, once nothing holds a reference any more. Every type of gocoro's coro and
// net packages that has a Close uses it.
//
// The state is one word, like the runtime's internal/poll fdMutex: a closed bit and a reference count. A
// reference is taken around every use of the resource (a cgo call, a system call) and held by every operation
// that outlives the call (a suspended task body, a pending poll). Close sets the bit: new references are refused
// from then on, and the last reference out runs the free function, exactly once. Wait blocks (on a channel, not a
// sleep loop) until that has happened. Taking and dropping a reference costs one atomic add each.
package lifetime

import "sync/atomic"

const closedBit = int64(1) << 62

// Lifetime is the closed bit, the reference count and what happens when both say the object is done. Its zero value
// is not initialised (Valid reports false, Enter fails); Init or InitClosed makes it usable. Not copyable after
// Init.
type Lifetime struct {
	word    atomic.Int64
	freed   atomic.Bool
	free    func()
	closing chan struct{} // closed by Close
	done    chan struct{} // closed once free has run
}

// Init makes l usable: open, no references. free (may be nil) runs once, on the goroutine that drops the last
// reference after Close (or in Close itself when nothing is held then).
func (l *Lifetime) Init(free func()) {
	l.free = free
	l.closing = make(chan struct{})
	l.done = make(chan struct{})
}

// InitClosed makes l closed and done for good, for a stand-in object that never had a resource.
func (l *Lifetime) InitClosed() {
	l.Init(nil)
	l.word.Store(closedBit)
	l.freed.Store(true)
	close(l.closing)
	close(l.done)
}

// Valid reports whether l was initialised.
func (l *Lifetime) Valid() bool { return l.done != nil }

// Enter takes a reference; false (nothing taken) once closed or if l was never initialised.
func (l *Lifetime) Enter() bool {
	if l.done == nil {
		return false
	}
	if l.word.Add(1)&closedBit != 0 {
		l.Exit()
		return false
	}
	return true
}

// Retain takes one more reference for a caller that already holds one, so it succeeds even after Close (the object
// cannot have been freed): for an operation that outlives the call that started it.
func (l *Lifetime) Retain() { l.word.Add(1) }

// Exit drops a reference taken by Enter or Retain (or handed over from one).
func (l *Lifetime) Exit() {
	if l.word.Add(-1) == closedBit {
		l.finish()
	}
}

// Close marks l closed; false if it already was (or was never initialised). The free function runs now if nothing
// holds a reference, else when the last one is dropped.
func (l *Lifetime) Close() bool {
	if l.done == nil {
		return false
	}
	for {
		v := l.word.Load()
		if v&closedBit != 0 {
			return false
		}
		if l.word.CompareAndSwap(v, v|closedBit) {
			close(l.closing)
			if v == 0 {
				l.finish()
			}
			return true
		}
	}
}

// Shared reports whether references besides the caller's own are held. After Close no new ones can be taken, so a
// false answer then is final: the caller's Exit will run the free function.
func (l *Lifetime) Shared() bool { return l.word.Load()&^closedBit > 1 }

// Closed reports whether Close has been called.
func (l *Lifetime) Closed() bool { return l.word.Load()&closedBit != 0 }

// Closing returns a channel closed when Close is called (nil if l was never initialised).
func (l *Lifetime) Closing() <-chan struct{} { return l.closing }

// Wait blocks until l is closed, every reference has been dropped and the free function has returned.
func (l *Lifetime) Wait() {
	if l.done != nil {
		<-l.done
	}
}

func (l *Lifetime) finish() {
	if !l.freed.CompareAndSwap(false, true) {
		return
	}
	if l.free != nil {
		l.free()
	}
	close(l.done)
}
