// Parity scenarios 427–430 (libcoro v0.16 net/test_udp_peers.cpp) through package net/udp. Upstream binds fixed
// ports (8080, 8081, 9090); here bound peers take free ports. v0.16's read_from with a timeout is ReadFrom under a
// read deadline (os.ErrDeadlineExceeded is io_status timeout), udp_not_bound is udp.ErrNotBound.
package gotest

import (
	"context"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/ip"
	"github.com/gocoro/gocoro/net/udp"
)

func TestNetUDPPeersV16(t *testing.T) {
	ctx := context.Background()

	t.Run("udp nullptr scheduler", func(t *testing.T) {
		p, err := udp.NewPeer(nil, ip.IPv4)
		require.ErrorIs(t, err, coro.ErrInvalid)
		require.Nil(t, p)
		p, err = udp.Listen(ctx, nil, "127.0.0.1:8080")
		require.ErrorIs(t, err, coro.ErrInvalid)
		require.Nil(t, p)
	})

	t.Run("udp basic checks", func(t *testing.T) {
		s := sched1(t)
		p, err := udp.Listen(ctx, s, "127.0.0.1:0")
		require.NoError(t, err)
		defer p.Close()
		n, err := p.WriteToUDPAddrPort(nil, netip.MustParseAddrPort("127.0.0.1:8080"))
		require.NoError(t, err, "an empty datagram is ok (and sends nothing)")
		require.Zero(t, n)
	})

	// parity-note: "udp timeout": the IPv6 run ([::1]) is skipped, with the reason, where the machine has no IPv6 loopback.
	t.Run("udp timeout", func(t *testing.T) {
		for _, c := range []struct{ domain, address string }{{"ipv4", "127.0.0.1:0"}, {"ipv6", "[::1]:0"}} {
			t.Run("Domain: "+c.domain, func(t *testing.T) {
				s := sched1(t)
				p, err := udp.Listen(ctx, s, c.address)
				if err != nil && c.domain == "ipv6" {
					t.Skipf("no IPv6 loopback on this machine: %v", err)
				}
				require.NoError(t, err)
				defer p.Close()
				require.NoError(t, p.SetReadDeadline(time.Now().Add(25*time.Millisecond)))
				n, _, err := p.ReadFromUDPAddrPort(make([]byte, 16))
				require.ErrorIs(t, err, os.ErrDeadlineExceeded)
				require.Zero(t, n)
			})
		}
	})

	t.Run("udp not bound", func(t *testing.T) {
		s := sched1(t)
		p, err := udp.NewPeer(s, ip.IPv4)
		require.NoError(t, err)
		defer p.Close()
		require.False(t, p.Bound())
		n, _, err := p.ReadFromUDPAddrPort([]byte{})
		require.ErrorIs(t, err, udp.ErrNotBound)
		require.Zero(t, n)
	})

	require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
}
