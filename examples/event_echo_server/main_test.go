package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/server"
)

func TestEventEchoServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", 300*time.Millisecond, 50*time.Millisecond, func(s *server.Server) { ready <- s })
	}()
	srv := <-ready

	c, err := net.Dial("tcp", srv.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "welcome, connection "), line)
	_, err = c.Write([]byte("hel"))
	require.NoError(t, err)
	_, err = c.Write([]byte("lo\n"))
	require.NoError(t, err)
	sawEcho, sawBeat := false, false
	for !sawEcho || !sawBeat {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		sawEcho = sawEcho || line == "hello\n"
		sawBeat = sawBeat || strings.HasPrefix(line, "heartbeat ")
	}
	// Silent now: the idle timeout closes the connection (heartbeats are output, not input).
	_, err = io.ReadAll(r)
	require.NoError(t, err)

	cancel()
	require.NoError(t, <-done)
}
