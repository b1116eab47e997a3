// Parity scenarios 225–230 (libcoro v0.16 test_sync_wait.cpp) through package coro: a C++ exception is a Go panic,
// which SyncWait returns as a *coro.PanicError that unwraps to the panic value.
package gotest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// parity-note: "issue-286": C++-only: it counts copy and move constructions of the task's result (copies 0, moves 2); Go values have no copy/move constructors to count (the pointer-identity analogue is "task supports instantiation with non assignable type").
// parity-note: "sync_wait move-only, non-move assignable": C++-only: move-only, non-assignable result types and a custom awaitable (std::suspend_never) have no Go counterpart; every Go value is copyable and SyncWait takes only a *coro.Task.
// parity-note: "sync_wait copy-only, non-assignable": C++-only: copy-only types with deleted moves and const prvalue results have no Go counterpart; every Go value is copyable and assignable.

// userException is a user-defined error type (upstream: a struct inheriting std::exception); SyncWait must hand
// back this exact type, not a generic error carrying its text.
type userException struct{ msg string }

func (e *userException) Error() string { return e.msg }

func TestSyncWaitV16(t *testing.T) {
	ctx := context.Background()
	const msg = "user exception thrown"

	// requireUserException checks that err carries the very *userException the body panicked with.
	requireUserException := func(t *testing.T, err error, thrown *userException) {
		t.Helper()
		var pe *coro.PanicError
		require.ErrorAs(t, err, &pe)
		require.Same(t, thrown, pe.Value, "the panic value itself, not a copy or a wrapper")
		var ue *userException
		require.ErrorAs(t, err, &ue, "errors.As finds the user type through the PanicError")
		require.Equal(t, msg, ue.Error())
	}

	t.Run("sync_wait task void that throws user exception inheriting std::exception", func(t *testing.T) {
		thrown := &userException{msg: msg}
		task := coro.NewTask(func(*coro.T) (struct{}, error) {
			panic(thrown)
		})
		_, err := coro.SyncWait(ctx, task)
		requireUserException(t, err, thrown)
	})

	t.Run("sync_wait task int64_t that throws user exception inheriting std::exception", func(t *testing.T) {
		thrown := &userException{msg: msg}
		task := coro.NewTask(func(*coro.T) (uint64, error) {
			panic(thrown)
		})
		v, err := coro.SyncWait(ctx, task)
		requireUserException(t, err, thrown)
		require.Zero(t, v)
	})

	waitUntil(t, func() bool { return coro.LiveHandles() == 0 })
}
