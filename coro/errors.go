package coro

import (
	"errors"
	"fmt"

	"github.com/gocoro/gocoro/internal/coroerr"
)

// ErrClosed is returned (possibly wrapped) by every operation on an executor or primitive after Close or
// shutdown.
var ErrClosed = coroerr.ErrClosed

// ErrInvalid reports a bad argument, e.g. a nil function.
var ErrInvalid = coroerr.ErrInvalid

// ErrNotSupported is returned by an operation the libcoro underneath lacks: under the libcoro_external build tag
// (upstream v0.14) RingBuffer's NotifyProducers and NotifyConsumers; and by Close on a default executor, which lives
// until the process exits.
var ErrNotSupported = errors.New("coro: not supported")

// PanicError carries a panic recovered from a Go function that an executor ran.
type PanicError struct {
	// Value is what the function panicked with.
	Value any
	// Stack is the goroutine stack at the panic.
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("coro: task panicked: %v", e.Value) }

// Unwrap exposes a panicked error value to errors.Is/As.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// opError names the operation and object that failed, like net.OpError.
type opError = coroerr.Op

// argError reports a bad argument to one of the package's constructors, naming the function and the argument
// ("coro: NewThreadPool: ThreadCount must be 0..65536, got -1"); it matches ErrInvalid.
type argError struct{ fn, msg string }

func invalidArg(fn, format string, args ...any) error {
	return &argError{fn: fn, msg: fmt.Sprintf(format, args...)}
}

func (e *argError) Error() string { return "coro: " + e.fn + ": " + e.msg }
func (e *argError) Unwrap() error { return ErrInvalid }
