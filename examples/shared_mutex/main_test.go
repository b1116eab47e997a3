package main

import (
	"bytes"
	"fmt"
	"slices"
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

	var want []string
	for i := 1; i <= 6; i++ {
		want = append(want,
			fmt.Sprintf("shared task %d lock_shared()", i),
			fmt.Sprintf("shared task %d lock_shared() acquired", i),
			fmt.Sprintf("shared task %d unlock_shared()", i))
	}
	want = append(want, "exclusive task lock()", "exclusive task lock() acquired", "exclusive task unlock()")
	require.ElementsMatch(t, want, lines)

	at := func(s string) int { return slices.Index(lines, s) }
	for i := 1; i <= 6; i++ {
		require.Less(t, at(fmt.Sprintf("shared task %d lock_shared()", i)), at(fmt.Sprintf("shared task %d lock_shared() acquired", i)))
		require.Less(t, at(fmt.Sprintf("shared task %d lock_shared() acquired", i)), at(fmt.Sprintf("shared task %d unlock_shared()", i)))
	}
	// The exclusive task waits for the first three shared holders ...
	for i := 1; i <= 3; i++ {
		require.Less(t, at(fmt.Sprintf("shared task %d unlock_shared()", i)), at("exclusive task lock() acquired"))
	}
	// ... and the later shared tasks wait behind it (writer preference).
	for i := 4; i <= 6; i++ {
		require.Less(t, at("exclusive task unlock()"), at(fmt.Sprintf("shared task %d lock_shared() acquired", i)))
	}
	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
