package iolink

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/internal/coroerr"
	"github.com/gocoro/gocoro/internal/handle"
	"github.com/gocoro/gocoro/internal/lifetime"
)

// sched stands in for coro.IOScheduler: it embeds a Link.
type sched struct {
	Link
	life lifetime.Lifetime
}

type queue struct{}

func (queue) NewCompletion(done func(int64)) handle.Handle { return handle.New(done) }

func newSched(ptr unsafe.Pointer) *sched {
	s := &sched{}
	s.life.Init(nil)
	Init(&s.Link, ptr, &s.life, queue{})
	return s
}

func TestZeroLinkIsInvalid(t *testing.T) {
	s := &sched{}
	_, _, err := Acquire(s)
	require.ErrorIs(t, err, coroerr.ErrInvalid)
	_, err = OnClose(s, func() {})
	require.ErrorIs(t, err, coroerr.ErrInvalid)
}

// An acquired scheduler's Close (modelled: close the lifetime, run the hooks, wait) runs the registered hooks but
// not the unregistered ones, and waits for the release.
func TestAcquireHoldsCloseAndHooksRun(t *testing.T) {
	var native int
	s := newSched(unsafe.Pointer(&native))
	ptr, release, err := Acquire(s)
	require.NoError(t, err)
	require.Equal(t, unsafe.Pointer(&native), ptr)

	var ran []string
	_, err = OnClose(s, func() { ran = append(ran, "kept") })
	require.NoError(t, err)
	unregister, err := OnClose(s, func() { ran = append(ran, "unregistered") })
	require.NoError(t, err)
	unregister()

	require.True(t, s.life.Close())
	for _, fn := range TakeCloseHooks(&s.Link) {
		fn()
	}
	require.Equal(t, []string{"kept"}, ran)
	waited := make(chan struct{})
	go func() { s.life.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Close did not wait for the acquired reference")
	default:
	}
	release()
	release() // a second call does nothing
	<-waited

	_, _, err = Acquire(s)
	require.ErrorIs(t, err, coroerr.ErrClosed)
	_, err = OnClose(s, func() {})
	require.ErrorIs(t, err, coroerr.ErrClosed)
}

func TestCompletionHandles(t *testing.T) {
	s := newSched(nil)
	base := handle.Live()
	h := NewCompletion(s, func(int64) {})
	require.Equal(t, base+1, handle.Live())
	DiscardCompletion(h)
	require.Equal(t, base, handle.Live())
}
