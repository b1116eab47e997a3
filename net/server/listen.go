//go:build cgo

package server

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gocoro/gocoro/coro"
)

// Listen starts a server on an event loop of its own and returns once it listens (unlike net/http's
// ListenAndServe it does not block: Done reports the end). It is the fastest way to serve Go callbacks (Func,
// Callbacks) and what to use unless the server must share a scheduler: the loop is a ManualThread, TasksInline
// IOScheduler driven by a goroutine locked to its OS thread, so every callback enters Go from a thread that is
// already Go's (a cgo callback inside a cgo call) rather than from a C++ thread, which costs the runtime less per
// call. The server owns the loop: Close, Shutdown or ctx stops the server, then the loop, and frees both.
// Arguments, errors and Options are those of Serve.
func Listen(ctx context.Context, address string, h Handler, opts *Options) (*Server, error) {
	l, err := startLoop()
	if err != nil {
		return nil, newOpError("listen", nil, nil, err)
	}
	srv, err := serve(ctx, l.sched, address, h, opts, l)
	if err != nil {
		l.close()
		return nil, err
	}
	return srv, nil
}

// ownedLoop is the event loop of a Listen server: a ManualThread scheduler whose events a dedicated goroutine
// processes until close.
type ownedLoop struct {
	sched *coro.IOScheduler
	stop  atomic.Bool
	done  chan struct{} // closed when the driving goroutine has returned
	once  sync.Once
}

func startLoop() (*ownedLoop, error) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread,
		ExecutionStrategy: coro.TasksInline})
	if err != nil {
		return nil, err
	}
	l := &ownedLoop{sched: s, done: make(chan struct{})}
	go l.drive()
	return l, nil
}

// drive runs the loop on this goroutine's thread. The thread stays locked to it (and ends with it): callbacks
// must find their connection's C++ state on the thread the loop runs on, and Server.Close from a callback
// recognises that thread.
func (l *ownedLoop) drive() {
	runtime.LockOSThread()
	defer close(l.done)
	for !l.stop.Load() {
		// Block until something happens: I/O, a timer, or a Spawn (close's wake-up).
		if _, err := l.sched.ProcessEvents(-1); err != nil {
			return
		}
	}
}

// close stops driving the loop, once its server has stopped (nothing of the server runs on it any more), and
// frees the scheduler. Later calls do nothing.
func (l *ownedLoop) close() {
	l.once.Do(func() {
		l.stop.Store(true)
		_ = l.sched.Spawn(func() {}) // wakes ProcessEvents, which then sees stop
		<-l.done
		// Close runs the wake-up if the loop returned before it did (against an upstream libcoro, ProcessEvents also
		// returns at its poll slices).
		l.sched.Close()
	})
}
