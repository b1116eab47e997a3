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
	require.Equal(t, "waiter 0 saw 42\nwaiter 1 saw 42\nwaiter 2 saw 42\ntimed wait: timeout\n", out.String())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
