package tcp_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/tcp"
)

// Both ends of a connection report each other's addresses, whether the listener is bound to one address (an
// accepted connection's local address is then the listener's, without a getsockname) or to a wildcard (read from
// the socket), and for IPv6; the peer's comes from accept itself, a dialled connection's from the connected socket.
func TestConnAddresses(t *testing.T) {
	s := newScheduler(t)
	for _, c := range []struct{ listen, dial string }{
		{"127.0.0.1:0", "127.0.0.1"},
		{"0.0.0.0:0", "127.0.0.1"},
		{"[::1]:0", "::1"},
		{"[::]:0", "::1"},
	} {
		t.Run(c.listen, func(t *testing.T) {
			ln, err := tcp.Listen(context.Background(), s, c.listen)
			if err != nil && net.ParseIP(c.dial).To4() == nil {
				t.Skipf("no IPv6 here: %v", err)
			}
			require.NoError(t, err)
			defer ln.Close()
			port := ln.Addr().(*net.TCPAddr).Port
			accepted := make(chan net.Conn, 1)
			go func() {
				a, err := ln.Accept()
				if err != nil {
					a = nil
				}
				accepted <- a
			}()
			d, err := tcp.Dial(context.Background(), s, net.JoinHostPort(c.dial, strconv.Itoa(port)))
			require.NoError(t, err)
			defer d.Close()
			a := <-accepted
			require.NotNil(t, a)
			defer a.Close()

			want := &net.TCPAddr{IP: net.ParseIP(c.dial), Port: port}
			require.Equal(t, want.String(), d.RemoteAddr().String())
			require.Equal(t, want.String(), a.LocalAddr().String())
			require.Equal(t, d.LocalAddr().String(), a.RemoteAddr().String())
			require.NotZero(t, d.LocalAddr().(*net.TCPAddr).Port)
			require.True(t, d.LocalAddr().(*net.TCPAddr).IP.Equal(want.IP))
		})
	}
}
