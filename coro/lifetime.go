//go:build cgo

package coro

import lt "github.com/gocoro/gocoro/internal/lifetime"

// lifetime is the shared lifetime (internal/lifetime: a closed bit and a reference count in one word) of a
// primitive's C++ object. References are taken by every cgo call on the object, by every native waiter (a task
// body or a goroutine stand-in suspended in the C++ structure) and, for locks, by every hold (the holder will call
// back into C++ to release it); the last one out after Close frees the object.
type lifetime struct{ lt.Lifetime }

// ref is Enter with the reason for a refusal: nil (a reference was taken), ErrClosed, or ErrInvalid for the zero
// value of a primitive (never made by its constructor, so there is no C++ object behind it).
func (l *lifetime) ref() error {
	if !l.Valid() {
		return ErrInvalid
	}
	if !l.Enter() {
		return ErrClosed
	}
	return nil
}

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
