package coro_test

import (
	"context"
	"testing"

	"github.com/gocoro/gocoro/coro"
)

// One task body awaiting b.N times in a row on a 1-thread IOScheduler: the latency of one await (no batching across
// bodies), under each task model. tools/bench's scheduler_* rows measure the throughput of many bodies instead.
func BenchmarkTaskAwaitLoop(b *testing.B) {
	for _, m := range []struct {
		name string
		make func(func(*coro.T) (struct{}, error)) *coro.Task[struct{}]
	}{
		{"NewTask", coro.NewTask[struct{}]},
		{"NewGoroutineTask", coro.NewGoroutineTask[struct{}]},
	} {
		b.Run(m.name+"/yield", func(b *testing.B) {
			s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			b.ResetTimer()
			_, err = coro.SyncWait(context.Background(), m.make(func(t *coro.T) (struct{}, error) {
				for i := 0; i < b.N; i++ {
					if err := t.Yield(s); err != nil {
						return struct{}{}, err
					}
				}
				return struct{}{}, nil
			}))
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
