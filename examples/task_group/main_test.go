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
	require.Equal(t, "started 5 tasks and 1 function\nall done: total 115, group empty: true\nwait on the empty group: <nil>\n", out.String())
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
