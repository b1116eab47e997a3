package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")

	// The thread callbacks run on their own threads: their lines may interleave anywhere with the tasks' output,
	// but every thread starts before any stops.
	starts := []string{
		"io_scheduler::process event thread start",
		"io_scheduler::thread_pool worker 0 starting",
		"io_scheduler::thread_pool worker 1 starting",
	}
	stops := []string{
		"io_scheduler::process event thread stop",
		"io_scheduler::thread_pool worker 0 stopping",
		"io_scheduler::thread_pool worker 1 stopping",
	}
	var gotStarts, gotStops, rest []string
	lastStart, firstStop := -1, len(lines)
	for i, line := range lines {
		switch {
		case strings.HasSuffix(line, " start") || strings.HasSuffix(line, " starting"):
			gotStarts = append(gotStarts, line)
			lastStart = i
		case strings.HasSuffix(line, " stop") || strings.HasSuffix(line, " stopping"):
			gotStops = append(gotStops, line)
			firstStop = min(firstStop, i)
		default:
			rest = append(rest, line)
		}
	}
	require.ElementsMatch(t, starts, gotStarts)
	require.ElementsMatch(t, stops, gotStops)
	require.Less(t, lastStart, firstStop)

	// The tasks' own output is ordered.
	require.Equal(t, []string{
		"server: Hello from client.",
		"client: Hello from server.",
		"spawn: detached task ran",
		"schedule(task): 42",
		"schedule(task, timeout): 1",
		"schedule(task, timeout): timed out",
		"timed-out task saw the stop request: true",
		"yield: resumed",
		"schedule_after: waited at least 10ms: true",
		"schedule_at: waited at least 10ms: true",
		"yield_for: waited at least 10ms: true",
		"yield_until: waited at least 10ms: true",
	}, rest)
}
