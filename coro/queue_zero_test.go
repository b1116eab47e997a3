package coro_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// Every method of a zero Queue fails with ErrInvalid, as its doc says; ShutdownDrain and AwaitShutdownDrain
// returned nil (beginDrain reported "nothing to drain" for an invalid queue too).
func TestQueueZeroValueIsInvalid(t *testing.T) {
	var q coro.Queue[int]
	ctx := context.Background()
	assert.ErrorIs(t, q.Push(1), coro.ErrInvalid)
	_, err := q.TryPop()
	assert.ErrorIs(t, err, coro.ErrInvalid)
	_, err = q.Pop(ctx)
	assert.ErrorIs(t, err, coro.ErrInvalid)
	assert.ErrorIs(t, q.Shutdown(), coro.ErrInvalid)
	assert.ErrorIs(t, q.ShutdownDrain(ctx), coro.ErrInvalid)
	assert.ErrorIs(t, q.Close(), coro.ErrInvalid)
	assert.Zero(t, q.Len())
	assert.True(t, q.Empty())
	assert.True(t, q.IsShutdown())
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	defer tp.Close()
	_, err = coro.SyncWait(ctx, coro.NewTask(func(tk *coro.T) (int, error) {
		if _, err := q.AwaitPop(tk); !assert.ErrorIs(t, err, coro.ErrInvalid) {
			return 0, nil
		}
		return 0, q.AwaitShutdownDrain(tk, tp)
	}))
	assert.ErrorIs(t, err, coro.ErrInvalid)
}

// Every method of a zero ConditionVariable fails with ErrInvalid; the Notify methods do nothing.
func TestConditionVariableZeroValueIsInvalid(t *testing.T) {
	var cv coro.ConditionVariable
	m := coro.NewMutex()
	defer m.Close()
	require.True(t, m.TryLock())
	cv.NotifyOne()
	cv.NotifyAll()
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 1})
	require.NoError(t, err)
	defer tp.Close()
	assert.ErrorIs(t, cv.NotifyOneOn(tp), coro.ErrInvalid)
	assert.ErrorIs(t, cv.NotifyAllOn(tp), coro.ErrInvalid)
	assert.ErrorIs(t, cv.Wait(context.Background(), m), coro.ErrInvalid)
	_, err = cv.WaitPred(context.Background(), m, func() bool { return false })
	assert.ErrorIs(t, err, coro.ErrInvalid)
	assert.ErrorIs(t, cv.Close(), coro.ErrInvalid)
	require.NoError(t, m.Unlock(), "a refused wait leaves the caller's lock alone")
}

// Every method of a zero TaskGroup fails with ErrInvalid (Size reports 0).
func TestTaskGroupZeroValueIsInvalid(t *testing.T) {
	var g coro.TaskGroup
	assert.ErrorIs(t, g.Go(func() {}), coro.ErrInvalid)
	assert.ErrorIs(t, g.Start(coro.NewFunc(func() (int, error) { return 1, nil })), coro.ErrInvalid)
	assert.ErrorIs(t, g.Wait(context.Background()), coro.ErrInvalid)
	assert.ErrorIs(t, g.Close(), coro.ErrInvalid)
	assert.Zero(t, g.Size())
	assert.True(t, g.Empty())
}
