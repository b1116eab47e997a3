//go:build cgo

package coro

import "sync/atomic"

// lifetime decides when a primitive's C++ object may be freed: after Close, once nothing references it any more.
//
// References are taken by every cgo call on the object (enter/exit around it), by every native waiter (a task
// body or a goroutine stand-in suspended in the C++ structure) and, for locks, by every hold (the holder will
// call back into C++ to release it). Close marks the object closed; new references are refused from then on and
// the last exit frees it, exactly once. Lock-free: two atomic adds per call.
type lifetime struct {
	refs  atomic.Int64
	freed atomic.Bool
	free  func()
}

const lifetimeClosed = int64(1) << 62

// enter takes a reference; false (no reference taken) once closed.
func (l *lifetime) enter() bool {
	if l.refs.Add(1)&lifetimeClosed != 0 {
		l.exit()
		return false
	}
	return true
}

// ref is enter with the reason for a refusal: nil (a reference was taken), ErrClosed, or ErrInvalid for the
// zero value of a primitive (never made by its constructor, so there is no C++ object behind it).
func (l *lifetime) ref() error {
	if l.free == nil {
		return ErrInvalid
	}
	if !l.enter() {
		return ErrClosed
	}
	return nil
}

// valid reports whether the primitive was made by its constructor (false for its zero value).
func (l *lifetime) valid() bool { return l.free != nil }

// validExecutor reports whether ex is a *ThreadPool or *IOScheduler made by its constructor (not nil, not a zero
// value).
func validExecutor(ex Executor) bool {
	switch x := ex.(type) {
	case *ThreadPool:
		return x != nil && x.valid()
	case *IOScheduler:
		return x != nil && x.valid()
	}
	return false
}

// exit drops a reference taken by enter (or handed over from one).
func (l *lifetime) exit() {
	if l.refs.Add(-1) == lifetimeClosed {
		l.finalize()
	}
}

// close marks the object closed; false if it already was. The object is freed now if nothing references it.
func (l *lifetime) close() bool {
	for {
		v := l.refs.Load()
		if v&lifetimeClosed != 0 {
			return false
		}
		if l.refs.CompareAndSwap(v, v|lifetimeClosed) {
			if v == 0 {
				l.finalize()
			}
			return true
		}
	}
}

func (l *lifetime) closed() bool { return l.refs.Load()&lifetimeClosed != 0 }

func (l *lifetime) finalize() {
	if l.freed.CompareAndSwap(false, true) {
		l.free()
	}
}
