//go:build cgo

package coro

import (
	"runtime"
	"testing"
	"time"
)

// A drainer counts off its start once per activation, even when a Goexit in one of its items makes the callback run
// it again: a miscount would make every later drainer think native work waits and give its thread back each slice.
func TestDrainerSpawnedCountAfterGoexit(t *testing.T) {
	tp, err := NewThreadPool(ThreadPoolOptions{ThreadCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	ran := make(chan struct{})
	if err := tp.Spawn(func() { runtime.Goexit() }); err != nil {
		t.Fatal(err)
	}
	if err := tp.Spawn(func() { close(ran) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the item queued behind a Goexit never ran")
	}
	if n := tp.runq.spawned.Load(); n != 0 {
		t.Fatalf("drainers counted as spawned but not started: %d, want 0", n)
	}
}
