// Package adversarial is the lasting adversarial layer of issue 20: cancellation storms with conservation counts,
// every public method racing Close, Close under thousands of in-flight waiters, panics in every callback kind,
// zero values and edge integers, network faults against every server kind (loopback only), and thread/fd/handle/
// RSS counts after churn. Every case is bounded in time and stops by itself; counts scale down under -short.
// regression_test.go keeps a case for every defect found (all fixed).
package adversarial

import (
	"testing"
	"time"

	"github.com/gocoro/gocoro/internal/leakcheck"
)

// The package must also leave no descriptor or coro handle behind after all this.
func TestMain(m *testing.M) { leakcheck.Main(m, 10*time.Second, nil) }
