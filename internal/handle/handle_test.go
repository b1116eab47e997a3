package handle

import (
	"sync"
	"testing"
)

// The handle table is lock-free: concurrent takers and releasers must never share a slot, and the live count
// must come back exactly.
func TestHandleTableConcurrent(t *testing.T) {
	base := Live()
	const workers, rounds, batch = 8, 2000, 16
	var live sync.Map // handle -> owner
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hs := make([]Handle, 0, batch)
			for r := 0; r < rounds; r++ {
				for i := 0; i < batch; i++ {
					v := new(int)
					h := New(v)
					if prev, dup := live.LoadOrStore(h, v); dup {
						t.Errorf("handle %d handed out twice (%p, %p)", h, prev, v)
						return
					}
					hs = append(hs, h)
				}
				for _, h := range hs {
					want, _ := live.Load(h)
					if got := h.Value(); got != want {
						t.Errorf("handle %d: value %p, want %p", h, got, want)
						return
					}
					live.Delete(h)
					if got := Release(h); got != want {
						t.Errorf("handle %d: released %p, want %p", h, got, want)
						return
					}
				}
				hs = hs[:0]
			}
		}()
	}
	wg.Wait()
	if got := Live(); got != base {
		t.Fatalf("Live = %d, want %d", got, base)
	}
}
