//go:build cgo

package coro

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// failProxiesAfter makes every proxy allocation after the next `ok` fail, until the hook is reset.
func failProxiesAfter(t *testing.T, ok int32) {
	var n atomic.Int32
	fails := func() bool { return n.Add(1) > ok }
	testHookProxyFails.Store(&fails)
	t.Cleanup(func() { testHookProxyFails.Store(nil) })
}

// A child whose C++ proxy cannot be allocated fails the await that starts it with ENOMEM and nothing runs (before,
// the proxy was used as a null pointer); every child stays idle and runs when awaited again.
func TestClaimOutOfMemory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ran atomic.Int32
	child := func() *Task[int] {
		return NewTask(func(*T) (int, error) { ran.Add(1); return 1, nil })
	}
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, unix.ENOMEM) {
			t.Fatalf("%s: got %v, want an error matching ENOMEM", name, err)
		}
	}

	a, b := child(), child()
	_, err := SyncWait(ctx, NewTask(func(tk *T) (struct{}, error) {
		failProxiesAfter(t, 1) // a's proxy is made, b's fails
		check("WhenAll", WhenAll(tk, a, b))
		testHookProxyFails.Store(nil)
		return struct{}{}, WhenAll(tk, a, b)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if va, _ := a.Result(); va != 1 || ran.Load() != 2 {
		t.Fatalf("after the retry: a = %d, %d bodies ran, want 1 and 2", va, ran.Load())
	}

	c := child()
	_, err = SyncWait(ctx, NewTask(func(tk *T) (struct{}, error) {
		failProxiesAfter(t, 0)
		_, err := Await(tk, c)
		check("Await", err)
		_, err = WhenAny(tk, c)
		check("WhenAny", err)
		testHookProxyFails.Store(nil)
		_, err = Await(tk, c)
		return struct{}{}, err
	}))
	if err != nil {
		t.Fatal(err)
	}

	tp, err := NewThreadPool(ThreadPoolOptions{ThreadCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	g, err := NewTaskGroup(tp)
	if err != nil {
		t.Fatal(err)
	}
	failProxiesAfter(t, 0)
	check("TaskGroup.Start", g.Start(child()))
	testHookProxyFails.Store(nil)
	if err := g.Start(child()); err != nil {
		t.Fatal(err)
	}
	if err := g.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	// Composed tasks report it as their outcome; their children stay idle.
	d, e := child(), child()
	failProxiesAfter(t, 0)
	_, err = SyncWait(ctx, Join([]*Task[int]{d}, func(rs []int) (int, error) { return rs[0], nil }))
	check("Join", err)
	_, err = SyncWait(ctx, ScheduleTask(tp, e))
	check("ScheduleTask", err)
	testHookProxyFails.Store(nil)
	if v, err := SyncWait(ctx, Join([]*Task[int]{d, e}, func(rs []int) (int, error) { return rs[0] + rs[1], nil })); v != 2 || err != nil {
		t.Fatalf("Join after the failures: %d, %v; want 2, nil", v, err)
	}
	if ran.Load() != 6 { // a, b, c, the group's second child, d and e
		t.Fatalf("%d bodies ran, want 6", ran.Load())
	}
	require.Eventually(t, func() bool { return LiveHandles() == 0 }, 10*time.Second, time.Millisecond)
}
