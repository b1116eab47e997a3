// Package coroerr holds package coro's sentinel errors and its operation error, so that internal/iolink, which
// coro imports, reports a closed or invalid scheduler with the very errors coro does (coro.ErrClosed is
// coroerr.ErrClosed).
package coroerr

import (
	"errors"
	"strings"
)

var (
	ErrClosed  = errors.New("coro: closed")
	ErrInvalid = errors.New("coro: invalid argument")
)

// Op names the operation and object that failed, like net.OpError.
type Op struct {
	Op  string
	Obj string
	Err error
}

func (e *Op) Error() string {
	// The package's own errors (ErrClosed, ErrInvalid, ...) say "coro: " too; say it once.
	return "coro: " + e.Obj + " " + e.Op + ": " + strings.TrimPrefix(e.Err.Error(), "coro: ")
}

func (e *Op) Unwrap() error { return e.Err }
