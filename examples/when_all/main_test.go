package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	require.Equal(t, "2\n4\n6\n8\n10\nfirst: 1.21 second: 20\n", out.String())
}
