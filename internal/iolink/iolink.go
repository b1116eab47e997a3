// Package iolink is what the module's net packages (net/server, net/dns, net/internal/netfd) need of a
// *coro.IOScheduler beyond its public API: its native object (gocoro_io_scheduler*, held open while they use it),
// its Close hooks (which stop their native work before the scheduler shuts down) and its completion queue.
//
// coro.IOScheduler embeds a Link, which makes it a Scheduler: Link's one method is unexported, so no other type can
// be one, and Link has no exported field or method, so embedding it adds nothing a user of coro could reach. Its
// state is set by coro (Init) and read here; the net packages call this package's functions with the
// *coro.IOScheduler they were given.
package iolink

import (
	"sync"
	"unsafe"

	"github.com/gocoro/gocoro/internal/coroerr"
	"github.com/gocoro/gocoro/internal/handle"
	"github.com/gocoro/gocoro/internal/lifetime"
)

// Link is the part of an IOScheduler that this package serves. Its zero value is the link of an IOScheduler that
// NewIOScheduler did not make: every function here refuses it with ErrInvalid.
type Link struct {
	ptr   unsafe.Pointer     // the gocoro_io_scheduler*
	life  *lifetime.Lifetime // the scheduler's: a reference keeps ptr valid
	queue Queue
	// hooks holds the functions Close runs first; guarded by mu, and nil once Close took them.
	mu    sync.Mutex
	hooks map[uint64]func()
	next  uint64
}

// Scheduler is a *coro.IOScheduler (the one type that embeds a Link). It must not be a nil pointer: callers check
// for nil first, as the method below dereferences it.
type Scheduler interface{ link() *Link }

func (l *Link) link() *Link { return l }

// Queue is coro's completion queue, whose goroutine delivers what C++ posts with gocoro_completion_post
// (cshim/completion.h).
type Queue interface {
	// NewCompletion returns a handle for C++ to post exactly once; done then runs with the posted result on the
	// queue's goroutine, so it must be quick and must not block (hand the result on through a buffered channel,
	// say); a panic in it is recovered and dropped.
	NewCompletion(done func(result int64)) handle.Handle
}

// Init fills in the link of a scheduler that NewIOScheduler just made: its native object, its lifetime and the
// completion queue.
func Init(l *Link, ptr unsafe.Pointer, life *lifetime.Lifetime, q Queue) {
	l.ptr, l.life, l.queue = ptr, life, q
}

// TakeCloseHooks returns the functions registered with OnClose and refuses new ones; the scheduler's Close calls
// it after closing its lifetime and runs them before it shuts the scheduler down.
func TakeCloseHooks(l *Link) map[uint64]func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	hooks := l.hooks
	l.hooks = nil
	return hooks
}

func open(op string, s Scheduler) (*Link, error) {
	l := s.link()
	if l.life == nil {
		return nil, &coroerr.Op{Op: op, Obj: "io_scheduler", Err: coroerr.ErrInvalid}
	}
	return l, nil
}

func closed(op string) error { return &coroerr.Op{Op: op, Obj: "io_scheduler", Err: coroerr.ErrClosed} }

// Acquire returns the gocoro_io_scheduler* of s and a release function that must be called exactly once (more
// calls do nothing). Until then s's Close waits (after running its OnClose hooks), so the pointer stays valid.
// Fails if s is closed.
func Acquire(s Scheduler) (ptr unsafe.Pointer, release func(), err error) {
	l, err := open("acquire", s)
	if err != nil {
		return nil, nil, err
	}
	if !l.life.Enter() {
		return nil, nil, closed("acquire")
	}
	var once sync.Once
	return l.ptr, func() { once.Do(l.life.Exit) }, nil
}

// OnClose registers fn to run at the start of s's Close, before the scheduler shuts down: owners of long-running
// native work (servers, sockets, resolvers) stop it there. The returned function unregisters fn. Fails if s is
// closed.
func OnClose(s Scheduler, fn func()) (unregister func(), err error) {
	l, err := open("register", s)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.life.Closed() { // Close marks it before it takes the hooks under mu
		return nil, closed("register")
	}
	if l.hooks == nil {
		l.hooks = map[uint64]func(){}
	}
	l.next++
	id := l.next
	l.hooks[id] = fn
	return func() {
		l.mu.Lock()
		delete(l.hooks, id)
		l.mu.Unlock()
	}, nil
}

// NewCompletion returns a handle for C++ to complete exactly once with gocoro_completion_post(handle, result); done
// then runs with result on coro's completion goroutine (see Queue). The handle counts in coro.LiveHandles until
// it is posted; if it never will be (the C call meant to take it failed), give it back with DiscardCompletion.
// The caller holds a reference to s (Acquire): its link is then initialised.
func NewCompletion(s Scheduler, done func(result int64)) handle.Handle {
	return s.link().queue.NewCompletion(done)
}

// DiscardCompletion releases a handle from NewCompletion that C++ never took; its function is not called.
func DiscardCompletion(h handle.Handle) { handle.Release(h) }
