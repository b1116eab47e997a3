// Package leakcheck is the TestMain of test packages that must leave no file descriptor and no coro handle
// behind: it counts both before the tests and fails a passing run if they are not back to that count shortly
// after.
package leakcheck

import (
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/iolink"
)

// FDs returns how many descriptors the process has open (-1 if /proc is unavailable).
func FDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// Main runs m and exits: with m's code, or 1 when the tests passed but descriptors or handles are still above
// their start count after settle (completions reach Go through the completion goroutine, so the last releases may trail the
// tests a little). cleanup, if not nil, runs after the tests and before the check.
func Main(m *testing.M, settle time.Duration, cleanup func()) {
	// The Go runtime opens its poller's descriptors lazily and keeps them (standard-library peers and timers
	// start it): start it before counting.
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
	}
	// So does coro's completion queue (its eventfd, made when the first waiter needs it): make a waiter on a
	// scheduler without threads.
	if s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread, ExecutionStrategy: coro.TasksInline}); err == nil {
		if _, release, err := iolink.Acquire(s); err == nil {
			iolink.DiscardCompletion(iolink.NewCompletion(s, func(int64) {}))
			release()
		}
		s.Close()
	}
	time.Sleep(time.Millisecond)
	start := FDs()
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	if code == 0 {
		deadline := time.Now().Add(settle)
		for (FDs() > start || coro.LiveHandles() != 0) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := FDs(); n > start {
			fmt.Fprintf(os.Stderr, "leakcheck: fd leak: %d open descriptors at start, %d at end\n", start, n)
			code = 1
		}
		if n := coro.LiveHandles(); n != 0 {
			fmt.Fprintf(os.Stderr, "leakcheck: handle leak: %d live handles\n", n)
			code = 1
		}
	}
	os.Exit(code)
}
