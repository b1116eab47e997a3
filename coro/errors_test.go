package coro

import (
	"errors"
	"testing"
)

// The "coro: " prefix appears once, even when the wrapped error is one of the package's sentinels.
func TestOpErrorSaysCoroOnce(t *testing.T) {
	err := error(&opError{Op: "schedule", Obj: "thread_pool", Err: ErrClosed})
	if got, want := err.Error(), "coro: thread_pool schedule: closed"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrClosed) {
		t.Fatal("does not match ErrClosed")
	}
	err = &opError{Op: "create", Obj: "thread_pool", Err: errors.New("thread count 0")}
	if got, want := err.Error(), "coro: thread_pool create: thread count 0"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
