package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	var want strings.Builder
	for i := 0; i <= 100; i++ {
		fmt.Fprintf(&want, "%d, ", i)
	}
	want.WriteString("\n")
	require.Equal(t, want.String(), out.String())
	require.True(t, strings.HasPrefix(out.String(), "0, 1, 2, "))
	require.True(t, strings.HasSuffix(out.String(), "99, 100, \n"))
}
