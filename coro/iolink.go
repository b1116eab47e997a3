//go:build cgo

package coro

import "github.com/gocoro/gocoro/internal/iolink"

// ioLink is embedded in IOScheduler under this unexported name: it makes *IOScheduler an iolink.Scheduler without
// adding a field or method that users could reach.
type ioLink = iolink.Link

// completionQueue is the iolink.Queue of every IOScheduler: the one completion queue of the process (completion.go).
type completionQueue struct{}

func (completionQueue) NewCompletion(done func(result int64)) handle {
	if done == nil {
		panic("coro: iolink.NewCompletion with a nil function")
	}
	startDeliverer()
	return newHandle(completer(completionFunc(done)))
}

type completionFunc func(result int64)

func (f completionFunc) complete(result int64) { f(result) }
