// Package argerr is the error the net packages return for a bad argument: it names the argument (a nil
// *coro.IOScheduler, a nil *tls.Context, a negative timeout, ...) and matches coro.ErrInvalid for errors.Is.
package argerr

import "github.com/gocoro/gocoro/coro"

// Error is a bad argument; What says which and how.
type Error struct {
	What string
}

// New returns an *Error naming what, e.g. New("nil *tls.Context").
func New(what string) error { return &Error{What: what} }

func (e *Error) Error() string { return "invalid argument: " + e.What }

// Is makes errors.Is(err, coro.ErrInvalid) hold.
func (e *Error) Is(target error) bool { return target == coro.ErrInvalid }
