package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	require.Equal(t, `Task1 output = 9
12345678-1234-5678-9012-123456781234 has 90000 records.
records copied: false
Answer to everything = 42
`, out.String())
}
