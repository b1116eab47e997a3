package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	// sum over id 1..3 of (5*id*100 + 0+1+2+3+4) = 3000 + 30
	require.Equal(t, "producers pushed 15 values\n"+
		"consumers popped 15 values, sum 3030\n"+
		"queue empty: true, shut down: true\n"+
		"push after shutdown: stopped\n", out.String())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
