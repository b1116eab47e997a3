//go:build cgo

package coro

// NewCompletion returns a handle for C++ code to complete exactly once with gocoro_completion_post(handle, result)
// (cshim/completion.h), for cgo packages whose native coroutines report to Go (net/dns). done then runs with
// result on the goroutine that delivers native completions, so it must be quick and must not block: hand the
// result on through a buffered channel, say. A panic in done is recovered and dropped. The handle counts in LiveHandles until it is posted; if it never will
// be (the C call meant to take it failed), give it back with DiscardCompletion.
func NewCompletion(done func(result int64)) uintptr {
	if done == nil {
		panic("coro: NewCompletion with a nil function")
	}
	startDrainer()
	return uintptr(newHandle(completer(completionFunc(done))))
}

// DiscardCompletion releases a handle from NewCompletion that C++ never took; its function is not called.
func DiscardCompletion(h uintptr) { releaseHandle(handle(h)) }

type completionFunc func(result int64)

func (f completionFunc) complete(result int64) { f(result) }
