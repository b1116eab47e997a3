package main

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

func TestRun(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(&stdout, &stderr))

	// Which consumer got which value varies; every value 1..100 arrives exactly once.
	items := regexp.MustCompile(`\(id=([0-3]), v=(\d+)\), `).FindAllStringSubmatch(stdout.String(), -1)
	require.Equal(t, len(stdout.String()), len(strings.Join(func() []string {
		var s []string
		for _, m := range items {
			s = append(s, m[0])
		}
		return s
	}(), "")), "unexpected output: %q", stdout.String())
	var values []int
	for _, m := range items {
		v, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		values = append(values, v)
	}
	sort.Ints(values)
	want := make([]int, 100)
	for i := range want {
		want[i] = i + 1
	}
	require.Equal(t, want, values)

	lines := strings.Split(strings.Trim(stderr.String(), "\n"), "\n")
	require.Equal(t, "producer is sending stop signal", lines[0])
	var shut []string
	for i := 0; i < 4; i++ {
		shut = append(shut, fmt.Sprintf("consumer %d shutting down, stop signal received", i))
	}
	require.ElementsMatch(t, shut, lines[1:])
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
