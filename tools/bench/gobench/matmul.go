package gobench

import (
	"fmt"
	"sync"
	"time"

	"github.com/gocoro/gocoro/coro"
)

// The native program's matmul: C += A*B for p x p int32 matrices by quadrant recursion down to 64x64 blocks, in
// two phases of four quadrant products (the four of a phase write disjoint quadrants of C, so they run in
// parallel). p is the largest power of two >= 64 with p^3 <= n; ops = p^3 multiply-adds. "go" runs every node as
// a coro task body on a 2-thread pool (schedule, then WhenAll per phase), "plaingo" as goroutines with a
// WaitGroup per phase. The 64x64 kernel is the same Go loop in both.

const matmulBlock = 64

type matrices struct {
	a, b, c []int32
	p       int
}

func newMatrices(n int) *matrices {
	p := matmulBlock
	for (2*p)*(2*p)*(2*p) <= n {
		p *= 2
	}
	m := &matrices{a: make([]int32, p*p), b: make([]int32, p*p), c: make([]int32, p*p), p: p}
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			m.a[i*p+j] = int32((i*7+j*3)%17) - 8
			m.b[i*p+j] = int32((i*5+j*11)%13) - 6
		}
	}
	return m
}

// kernel: C[ci..][cj..] += A[ai..][ak..] * B[ak..][cj..] on one 64x64 block.
func (m *matrices) kernel(ai, ak, cj int) {
	p := m.p
	var acc [matmulBlock]int32
	for i := 0; i < matmulBlock; i++ {
		crow := m.c[(ai+i)*p+cj : (ai+i)*p+cj+matmulBlock]
		copy(acc[:], crow)
		arow := m.a[(ai+i)*p+ak : (ai+i)*p+ak+matmulBlock]
		for k, aik := range arow {
			brow := m.b[(ak+k)*p+cj : (ak+k)*p+cj+matmulBlock]
			for j, bkj := range brow {
				acc[j] += aik * bkj
			}
		}
		copy(crow, acc[:])
	}
}

// quadrants lists, for one phase, the (row of A/C, column of A = row of B, column of B/C) offsets of the four
// products of an n x n sub-problem at (i, k, j).
func quadrants(i, k, j, h, phase int) [4][3]int {
	if phase == 0 {
		return [4][3]int{{i, k, j}, {i, k, j + h}, {i + h, k, j}, {i + h, k, j + h}}
	}
	return [4][3]int{{i, k + h, j}, {i, k + h, j + h}, {i + h, k + h, j}, {i + h, k + h, j + h}}
}

func (m *matrices) verify() error {
	p := m.p
	check := func(i, j int) error {
		var want int64
		for k := 0; k < p; k++ {
			want += int64(m.a[i*p+k]) * int64(m.b[k*p+j])
		}
		if int64(m.c[i*p+j]) != want {
			return fmt.Errorf("matmul: C[%d][%d] = %d, expected %d", i, j, m.c[i*p+j], want)
		}
		return nil
	}
	rng := uint32(12345)
	for s := 0; s < 256; s++ {
		rng ^= rng << 13
		rng ^= rng >> 17
		rng ^= rng << 5
		i := int(rng % uint32(p))
		if err := check(i, int((rng>>11)%uint32(p))); err != nil {
			return err
		}
	}
	return check(p-1, p-1)
}

// matmulTasks returns the "go" matmul with task bodies under NewTask (g false) or NewGoroutineTask (g true).
func matmulTasks(g bool) func(int) (int64, error) {
	return func(n int) (int64, error) { return matmulOn(g, n) }
}

func matmulOn(g bool, n int) (int64, error) {
	m := newMatrices(n)
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	if err != nil {
		return 0, err
	}
	defer tp.Close()
	var node func(i, k, j, size int) *coro.Task[struct{}]
	node = func(i, k, j, size int) *coro.Task[struct{}] {
		return newBody(g, func(t *coro.T) (struct{}, error) {
			if err := t.Schedule(tp); err != nil {
				return struct{}{}, err
			}
			if size <= matmulBlock {
				m.kernel(i, k, j)
				return struct{}{}, nil
			}
			h := size / 2
			for phase := 0; phase < 2; phase++ {
				q := quadrants(i, k, j, h, phase)
				if err := coro.WhenAll(t, node(q[0][0], q[0][1], q[0][2], h), node(q[1][0], q[1][1], q[1][2], h),
					node(q[2][0], q[2][1], q[2][2], h), node(q[3][0], q[3][1], q[3][2], h)); err != nil {
					return struct{}{}, err
				}
			}
			return struct{}{}, nil
		})
	}
	start := time.Now()
	_, err = coro.SyncWait(ctx, node(0, 0, 0, m.p))
	Measured = time.Since(start) // the multiplication only, as in plainMatmul
	if err != nil {
		return 0, err
	}
	return int64(m.p) * int64(m.p) * int64(m.p), m.verify()
}

func plainMatmul(n int) (int64, error) {
	m := newMatrices(n)
	var node func(i, k, j, size int)
	node = func(i, k, j, size int) {
		if size <= matmulBlock {
			m.kernel(i, k, j)
			return
		}
		h := size / 2
		for phase := 0; phase < 2; phase++ {
			var wg sync.WaitGroup
			for _, q := range quadrants(i, k, j, h, phase) {
				wg.Add(1)
				go func() { defer wg.Done(); node(q[0], q[1], q[2], h) }()
			}
			wg.Wait()
		}
	}
	start := time.Now()
	node(0, 0, 0, m.p)
	Measured = time.Since(start) // not the matrices' set-up, nor the check
	return int64(m.p) * int64(m.p) * int64(m.p), m.verify()
}
