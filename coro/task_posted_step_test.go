package coro_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// A NewTask body's executor thread waits in C++ for the body's next await (first looking, then asleep): it stays
// reserved for the body however long the body takes between awaits, so another body queued on a 1-thread pool runs
// only once this one awaits again, and the body keeps its thread across short and long steps alike.
func TestPostedStepsKeepTheThreadReserved(t *testing.T) {
	tp := newPool(t, coro.ThreadPoolOptions{ThreadCount: 1})
	ctx := context.Background()
	var otherRan atomic.Bool
	scheduled := make(chan struct{})
	body := coro.NewTask(func(tk *coro.T) (bool, error) {
		if err := tk.Schedule(tp); err != nil {
			return false, err
		}
		thread := tk.ThreadID()
		close(scheduled)
		time.Sleep(50 * time.Millisecond) // far longer than the thread looks before it sleeps
		ranMeanwhile := otherRan.Load()
		for i := 0; i < 200; i++ {
			if i%20 == 0 {
				time.Sleep(2 * time.Millisecond) // steps long and short: the thread's looking time adapts both ways
			}
			if err := tk.Yield(tp); err != nil {
				return false, err
			}
			if tk.ThreadID() != thread {
				return false, fmt.Errorf("await %d resumed on thread %d, the pool's is %d", i, tk.ThreadID(), thread)
			}
		}
		return ranMeanwhile, nil
	})
	done := make(chan error, 1)
	var ranMeanwhile bool
	go func() {
		var err error
		ranMeanwhile, err = coro.SyncWait(ctx, body)
		done <- err
	}()
	<-scheduled
	other := coro.NewTask(func(tk *coro.T) (struct{}, error) {
		err := tk.Schedule(tp)
		otherRan.Store(true)
		return struct{}{}, err
	})
	_, err := coro.SyncWait(ctx, other)
	require.NoError(t, err)
	require.NoError(t, <-done)
	require.False(t, ranMeanwhile, "another body ran on the 1-thread pool while the first one held its thread")
}
