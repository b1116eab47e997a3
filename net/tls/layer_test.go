package tls_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
	"github.com/gocoro/gocoro/net/tls"
)

// Client and Server layer TLS over net/tcp connections that were already used in plaintext (a STARTTLS-like
// upgrade), as crypto/tls.Client/Server do over a net.Conn; closing the TLS Conn closes the TCP one.
func TestClientServerOverTCP(t *testing.T) {
	s := newScheduler(t)
	ln, err := tcp.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	serverCtx := serverContext(t)
	done := make(chan error, 1)
	go func() {
		conn, err := ln.AcceptTCP()
		if err != nil {
			done <- err
			return
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err == nil && line != "STARTTLS\n" {
			err = errors.New("unexpected greeting " + line)
		}
		if err == nil {
			_, err = conn.Write([]byte("GO\n"))
		}
		if err != nil {
			conn.Close()
			done <- err
			return
		}
		sc, err := tls.Server(conn, serverCtx)
		if err != nil {
			conn.Close()
			done <- err
			return
		}
		defer sc.Close()
		echo(sc)
		done <- nil
	}()

	conn, err := tcp.Dial(context.Background(), s, ln.Addr().String())
	require.NoError(t, err)
	_, err = conn.Write([]byte("STARTTLS\n"))
	require.NoError(t, err)
	reply := make([]byte, 3)
	_, err = conn.Read(reply)
	require.NoError(t, err)
	require.Equal(t, "GO\n", string(reply))
	c, err := tls.Client(conn, clientContext(t), "localhost")
	require.NoError(t, err)
	require.NoError(t, c.HandshakeContext(context.Background()))
	require.NotZero(t, c.ConnectionState().Version)
	roundTrip(t, c, c.CloseWrite)
	require.NoError(t, c.Close())
	_, err = conn.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed, "the TLS Conn owned the TCP one")
	require.NoError(t, <-done)
}

func TestClientServerBadArguments(t *testing.T) {
	s := newScheduler(t)
	_, err := tls.Client(nil, clientContext(t), "localhost")
	require.ErrorIs(t, err, coro.ErrInvalid)
	ln, err := tcp.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	conn, err := tcp.Dial(context.Background(), s, ln.Addr().String())
	require.NoError(t, err)
	_, err = tls.Client(conn, nil, "localhost")
	require.ErrorIs(t, err, coro.ErrInvalid)
	_, err = tls.Server(conn, clientContext(t))
	require.ErrorIs(t, err, tls.ErrConfig, "a server needs a certificate")
	_, err = tls.Client(&tcp.Conn{}, clientContext(t), "localhost")
	require.ErrorIs(t, err, net.ErrClosed, "a zero tcp.Conn")
	require.NoError(t, conn.Close())
	_, err = tls.Client(conn, clientContext(t), "localhost")
	require.ErrorIs(t, err, net.ErrClosed)
}
