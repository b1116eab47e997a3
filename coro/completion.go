package coro

/*
#include "cshim/completion.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// completer is what a completion handle refers to: someone waiting for C++ to finish something.
type completer interface {
	complete(result int64)
}

// drainOnce starts the goroutine that delivers completions posted by C++ threads. It blocks in C (holding one OS
// thread, no P) until a batch is ready, so a completion costs one crossing per batch, not one callback each.
var drainOnce sync.Once

func startDrainer() { drainOnce.Do(func() { go drain() }) }

const completionBatch = 256

func drain() {
	buf := (*[completionBatch]C.gocoro_completion)(C.malloc(C.size_t(unsafe.Sizeof(C.gocoro_completion{})) * completionBatch))
	for {
		n := int(C.gocoro_completion_wait(&buf[0], completionBatch))
		if n == 0 {
			return
		}
		for i := 0; i < n; i++ {
			c := releaseHandle(handle(buf[i].handle)).(completer)
			c.complete(int64(buf[i].result))
		}
		// The goroutines just readied sit in this P's run queue, and the next wait blocks in C while keeping the
		// P (a cgo call): they would wait there until sysmon retakes the P (tens of µs or more). Let them run now.
		runtime.Gosched()
	}
}

// signal is a one-shot completer a goroutine can block on.
type signal struct {
	ch     chan struct{}
	result int64
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) complete(result int64) {
	s.result = result
	close(s.ch)
}

// handle registers s for one completion; C++ posts it exactly once.
func (s *signal) handle() C.uintptr_t {
	startDrainer()
	return C.uintptr_t(newHandle(completer(s)))
}
