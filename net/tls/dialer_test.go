package tls_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/tcp"
	"github.com/gocoro/gocoro/net/tls"
)

// NewListener serves TLS over a tcp.Listener made with options; Dialer dials with a tcp.Dialer's.
func TestDialerAndNewListener(t *testing.T) {
	s := newScheduler(t)
	lc := tcp.ListenConfig{KeepAlive: -1}
	tln, err := lc.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	ln, err := tls.NewListener(tln, serverContext(t))
	require.NoError(t, err)
	wg := serve(ln, echo)
	defer wg.Wait()
	defer ln.Close()

	d := tls.Dialer{NetDialer: &tcp.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 3)}}, Context: clientContext(t)}
	c, err := d.Dial(context.Background(), s, "localhost:"+portOf(ln.Addr()))
	require.NoError(t, err)
	require.Equal(t, "127.0.0.3", c.LocalAddr().(*net.TCPAddr).IP.String())
	roundTrip(t, c, c.CloseWrite)
	require.NoError(t, c.Close())

	d = tls.Dialer{Context: clientContext(t)} // nil NetDialer: the zero tcp.Dialer
	c, err = d.Dial(context.Background(), s, "localhost:"+portOf(ln.Addr()))
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

// The NetDialer's Timeout bounds the handshake too; bad arguments fail clearly.
func TestDialerTimeoutAndArguments(t *testing.T) {
	s := newScheduler(t)
	none, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
	require.NoError(t, err)
	pl, wg := silentServer(t)
	defer wg.Wait()
	defer pl.Close()
	d := tls.Dialer{NetDialer: &tcp.Dialer{Timeout: 100 * time.Millisecond}, Context: none}
	start := time.Now()
	_, err = d.Dial(context.Background(), s, pl.Addr().String())
	require.ErrorIs(t, err, context.DeadlineExceeded, "the server never answers the handshake")
	require.Less(t, time.Since(start), 5*time.Second)

	_, err = (&tls.Dialer{}).Dial(context.Background(), s, pl.Addr().String())
	require.ErrorContains(t, err, "nil *tls.Context")
	_, err = tls.NewListener(nil, serverContext(t))
	require.ErrorContains(t, err, "nil *tcp.Listener")
	tln, err := tcp.Listen(context.Background(), s, "127.0.0.1:0")
	require.NoError(t, err)
	defer tln.Close()
	_, err = tls.NewListener(tln, none)
	require.ErrorContains(t, err, "certificate")
}

func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}
