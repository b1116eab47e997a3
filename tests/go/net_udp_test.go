// Parity scenarios 113-114 (test/net/test_udp_peers.cpp) through package net/udp. Upstream binds the fixed ports
// 8080/8081; here the bound peers take free ports (0.0.0.0:0) first and the senders target the ports the kernel
// chose, so parallel test runs cannot collide. when_all of the peer coroutines becomes goroutines.
package gotest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/ip"
	"github.com/gocoro/gocoro/net/udp"
)

func TestNetUDPPeers(t *testing.T) {
	ctx := context.Background()
	newSched := func(t *testing.T) *coro.IOScheduler {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		return s
	}
	localPort := func(t *testing.T, p *udp.Peer) uint16 {
		port := p.LocalAddr().(*net.UDPAddr).Port
		require.NotZero(t, port)
		return uint16(port)
	}
	loopback := netip.MustParseAddr("127.0.0.1")

	t.Run("udp one way", func(t *testing.T) {
		msg := strings.Repeat("a", 20) + strings.Repeat("b", 18) + strings.Repeat("c", 18) // 56 bytes
		s := newSched(t)
		defer s.Close()
		receiver, err := udp.Listen(ctx, s, "0.0.0.0:0")
		require.NoError(t, err)
		defer receiver.Close()
		port := localPort(t, receiver)

		var wg sync.WaitGroup
		var sendErr error
		var senderPort uint16
		wg.Add(1)
		go func() { // sender: an unbound peer
			defer wg.Done()
			peer, err := udp.NewPeer(s, ip.IPv4)
			if err != nil {
				sendErr = err
				return
			}
			defer peer.Close()
			n, err := peer.WriteToUDPAddrPort([]byte(msg), netip.AddrPortFrom(loopback, port))
			if err == nil && n != len(msg) {
				err = fmt.Errorf("sent %d of %d bytes", n, len(msg)) // upstream: remaining not empty
			}
			sendErr = err
			senderPort = uint16(peer.LocalAddr().(*net.UDPAddr).Port)
		}()

		buf := make([]byte, 64) // receiver
		n, from, err := receiver.ReadFromUDPAddrPort(buf)
		require.NoError(t, err)
		wg.Wait()
		require.NoError(t, sendErr)
		require.Equal(t, loopback, from.Addr())
		require.Equal(t, senderPort, from.Port()) // beyond upstream: the unbound peer's kernel-chosen port
		require.Equal(t, len(msg), n)
		require.Equal(t, msg, string(buf[:n]))
	})

	t.Run("udp echo peers", func(t *testing.T) {
		const peer1Msg, peer2Msg = "Hello from peer1!", "Hello from peer2!!"
		s := newSched(t)
		defer s.Close()
		peerA, err := udp.Listen(ctx, s, "0.0.0.0:0")
		require.NoError(t, err)
		defer peerA.Close()
		peerB, err := udp.Listen(ctx, s, "0.0.0.0:0")
		require.NoError(t, err)
		defer peerB.Close()
		aInfo := netip.AddrPortFrom(loopback, localPort(t, peerA))
		bInfo := netip.AddrPortFrom(loopback, localPort(t, peerB))

		peerTask := func(me *udp.Peer, peerInfo netip.AddrPort, sendFirst bool, myMsg, peerMsg string) error {
			send := func() error {
				n, err := me.WriteToUDPAddrPort([]byte(myMsg), peerInfo)
				if err == nil && n != len(myMsg) {
					err = fmt.Errorf("sent %d of %d bytes", n, len(myMsg))
				}
				return err
			}
			if sendFirst {
				if err := send(); err != nil {
					return err
				}
			}
			buf := make([]byte, 64)
			n, from, err := me.ReadFromUDPAddrPort(buf)
			if err != nil {
				return err
			}
			if from != peerInfo { // address and port
				return fmt.Errorf("sender %v, want %v", from, peerInfo)
			}
			if string(buf[:n]) != peerMsg {
				return fmt.Errorf("received %q, want %q", buf[:n], peerMsg)
			}
			if !sendFirst {
				return send()
			}
			return nil
		}

		errs := make([]error, 2)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); errs[0] = peerTask(peerA, bInfo, false, peer2Msg, peer1Msg) }()
		go func() { defer wg.Done(); errs[1] = peerTask(peerB, aInfo, true, peer1Msg, peer2Msg) }()
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
	})
}
