package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/server"
)

func TestEventHTTPServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server.Server, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", func(s *server.Server) { ready <- s }) }()
	srv := <-ready
	base := "http://" + srv.Addr().String()

	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < 3; i++ { // keep-alive
		resp, err := client.Get(base + "/hello")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "you asked for /hello\n", string(body))
	}
	resp, err := client.Post(base+"/", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotImplemented, resp.StatusCode)
	client.CloseIdleConnections()

	// Pipelined on one raw connection.
	c, err := net.Dial("tcp", srv.Addr().String())
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Write([]byte("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	want := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n\r\nyou asked for /a\n" +
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n\r\nyou asked for /b\n"
	got := make([]byte, len(want))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, want, string(got))
	c.Close()

	require.Eventually(t, func() bool { return srv.Stats().Requests == 6 }, 5*time.Second, time.Millisecond)
	cancel()
	require.NoError(t, <-done)
}
