package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 12)
	require.Equal(t, "latch task is now waiting on all children tasks...", lines[0])
	require.Equal(t, "latch task dependency tasks completed, resuming.", lines[11])
	// Workers start in order on the 1-thread pool; they finish in order of their 20ms*i work.
	var want []string
	for i := 1; i <= 5; i++ {
		want = append(want, fmt.Sprintf("worker task %d is working...", i))
	}
	for i := 1; i <= 5; i++ {
		want = append(want, fmt.Sprintf("worker task %d is done, counting down on the latch", i))
	}
	require.Equal(t, want, lines[1:11])
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
