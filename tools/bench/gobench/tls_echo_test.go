package gobench

import "testing"

// TestTLSWorkloadsQuick runs the TLS workloads with 10 messages per connection: a smoke test, never a speed check.
func TestTLSWorkloadsQuick(t *testing.T) {
	for _, w := range TLSWorkloads() {
		t.Run(w.Impl+"/"+w.Name, func(t *testing.T) {
			ops, err := w.Run(1000)
			if err != nil {
				t.Fatal(err)
			}
			if ops != 1000 {
				t.Fatalf("ops = %d, want 1000", ops)
			}
		})
	}
}
