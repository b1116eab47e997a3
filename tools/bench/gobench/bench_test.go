package gobench

import (
	"testing"
	"time"
)

// BenchmarkWorkloads runs every workload with b.N iterations and reports ns per operation (the same unit the C++
// program prints), e.g. go test -bench . -benchtime 1000x ./tools/bench/gobench
func BenchmarkWorkloads(b *testing.B) {
	for _, w := range append(All(), TLSWorkloads()...) {
		b.Run(w.Impl+"/"+w.Name, func(b *testing.B) {
			n := b.N
			if w.Suite == "forkjoin" {
				n = w.N // fixed-size trees
			}
			Measured = 0
			start := time.Now()
			ops, err := w.Run(n)
			elapsed := time.Since(start)
			if Measured > 0 {
				elapsed = Measured
			}
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(ops), "ns/work-op")
		})
	}
}

// TestWorkloadsQuick runs every workload at 1/1000 of its default size: a smoke test that each produces a sane
// result (never a speed check).
func TestWorkloadsQuick(t *testing.T) {
	for _, w := range All() {
		t.Run(w.Impl+"/"+w.Name, func(t *testing.T) {
			n := max(w.N/1000, 1)
			switch w.Name {
			case "skynet_1m":
				n = 1000
			case "fib_250k", "nqueens_170k":
				n = 2000
			}
			ops, err := w.Run(n)
			if err != nil {
				t.Fatal(err)
			}
			if ops <= 0 {
				t.Fatalf("no operations counted")
			}
		})
	}
}
