//go:build cgo

package coro

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/gocoro/gocoro/internal/corelink"
)

// Provides internal/corelink, the runtime the module's net packages use: the handle table (their handles count in
// LiveHandles too), the completion queue, and an IOScheduler's native object and Close hooks.
func init() {
	corelink.Register(corelink.Core{
		NewHandle:          func(v any) uintptr { return uintptr(newHandle(v)) },
		HandleValue:        func(h uintptr) any { return handle(h).Value() },
		ReleaseHandle:      func(h uintptr) any { return releaseHandle(handle(h)) },
		NewCompletion:      newCompletion,
		DiscardCompletion:  func(h uintptr) { releaseHandle(handle(h)) },
		AcquireIOScheduler: acquireIOScheduler,
		OnIOSchedulerClose: onIOSchedulerClose,
	})
}

func newCompletion(done func(result int64)) uintptr {
	if done == nil {
		panic("coro: corelink.NewCompletion with a nil function")
	}
	startDeliverer()
	return uintptr(newHandle(completer(completionFunc(done))))
}

type completionFunc func(result int64)

func (f completionFunc) complete(result int64) { f(result) }

// linkedScheduler returns v as a scheduler made by NewIOScheduler.
func linkedScheduler(op string, v any) (*IOScheduler, error) {
	s, ok := v.(*IOScheduler)
	if !ok {
		return nil, &opError{Op: op, Obj: "io_scheduler", Err: fmt.Errorf("%w: %T is not a *coro.IOScheduler", ErrInvalid, v)}
	}
	if s == nil || !s.valid() {
		return nil, schedulerInvalid(op)
	}
	return s, nil
}

func acquireIOScheduler(v any) (unsafe.Pointer, func(), error) {
	s, err := linkedScheduler("acquire", v)
	if err != nil {
		return nil, nil, err
	}
	if !s.life.Enter() {
		return nil, nil, &opError{Op: "acquire", Obj: "io_scheduler", Err: ErrClosed}
	}
	var once sync.Once
	return unsafe.Pointer(s.s), func() { once.Do(s.life.Exit) }, nil
}

func onIOSchedulerClose(v any, fn func()) (func(), error) {
	s, err := linkedScheduler("register", v)
	if err != nil {
		return nil, err
	}
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	if s.life.Closed() { // Close marks it before it takes the hooks under hookMu
		return nil, &opError{Op: "register", Obj: "io_scheduler", Err: ErrClosed}
	}
	if s.onClose == nil {
		s.onClose = map[uint64]func(){}
	}
	s.nextHook++
	id := s.nextHook
	s.onClose[id] = fn
	return func() {
		s.hookMu.Lock()
		delete(s.onClose, id)
		s.hookMu.Unlock()
	}, nil
}
