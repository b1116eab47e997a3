package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

func TestHTTP200OK(t *testing.T) {
	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	require.NoError(t, err)
	defer s.Close()
	ln, err := tcp.Listen(ctx, s, "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { serve(ln); close(done) }()

	// A standard client, several requests over one keep-alive connection.
	client := &http.Client{Transport: &http.Transport{}}
	for i := 0; i < 5; i++ {
		resp, err := client.Post("http://"+ln.Addr().String()+"/", "text/plain", http.NoBody)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "Hello, World!", string(body))
	}
	client.CloseIdleConnections()

	// Two pipelined requests on a raw net/tcp connection, one with a body.
	c, err := tcp.Dial(ctx, s, ln.Addr().String())
	require.NoError(t, err)
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
	require.NoError(t, err)
	r := bufio.NewReader(c)
	for i := 0; i < 2; i++ {
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "Hello, World!", string(body))
	}
	require.NoError(t, c.Close())
	require.NoError(t, ln.Close())
	<-done
}

// The demo mode (tools/demo.sh): the built-in client's output.
func TestDemoOutput(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	require.NoError(t, err)
	defer s.Close()
	ln, err := tcp.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { serve(ln); close(done) }()
	var out strings.Builder
	require.NoError(t, selfRequests(&out, ln.Addr().String(), 3))
	require.Equal(t, "GET / #1 -> 200 OK \"Hello, World!\"\n"+
		"GET / #2 -> 200 OK \"Hello, World!\"\n"+
		"GET / #3 -> 200 OK \"Hello, World!\"\n", out.String())
	require.NoError(t, ln.Close())
	<-done
}
