package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, 1, 100_000, 25_000))
	require.Equal(t, `thread_pool with 1 threads
primes in [0, 25000): 2762
primes in [25000, 50000): 2371
primes in [50000, 75000): 2260
primes in [75000, 100000): 2199
primes below 100000: 9592
`, out.String())
}
