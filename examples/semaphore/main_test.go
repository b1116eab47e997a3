package main

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	s := strings.TrimSuffix(out.String(), ", \n")
	require.NotContains(t, s, "failed")
	var got []int
	for _, f := range strings.Split(s, ", ") {
		v, err := strconv.Atoi(f)
		require.NoError(t, err)
		got = append(got, v)
	}
	// Nondeterministic order: every task got through exactly once.
	sort.Ints(got)
	want := make([]int, 100)
	for i := range want {
		want[i] = i + 1
	}
	require.Equal(t, want, got)
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
