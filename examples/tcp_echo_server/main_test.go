package main

import (
	"bufio"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

func TestEchoServer(t *testing.T) {
	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	require.NoError(t, err)
	defer s.Close()
	ln, err := tcp.Listen(ctx, s, "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { serve(ln); close(done) }()

	for i := 0; i < 3; i++ {
		c, err := tcp.Dial(ctx, s, ln.Addr().String())
		require.NoError(t, err)
		r := bufio.NewReader(c)
		for j := 0; j < 10; j++ {
			msg := fmt.Sprintf("client %d says hello %d\n", i, j)
			_, err := c.Write([]byte(msg))
			require.NoError(t, err)
			line, err := r.ReadString('\n')
			require.NoError(t, err)
			require.Equal(t, msg, line)
		}
		require.NoError(t, c.Close())
	}
	require.NoError(t, ln.Close())
	<-done
}
