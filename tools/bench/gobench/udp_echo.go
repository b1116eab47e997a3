package gobench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/udp"
)

// udp_echo_pool, the UDP twin of tcp_echo_pool: one bound server socket echoes every datagram (one goroutine);
// echoConnections client sockets each send n/echoConnections 36-byte datagrams, reading each echo back before
// sending the next. "go" runs both ends on net/udp (server and clients on two IOSchedulers), "plaingo" on Go's
// net; udp_echo_goclient has only the server on net/udp. Loopback does not drop datagrams at this load; a client
// that waits longer than a second for an echo reports an error rather than hang.

// packetConn is what both implementations offer without allocation.
type packetConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	SetReadDeadline(t time.Time) error
	LocalAddr() net.Addr
	Close() error
}

func udpEchoPool(n int) (int64, error) {
	return udpEchoCoro(n, true)
}

func udpEchoGoClient(n int) (int64, error) {
	return udpEchoCoro(n, false)
}

func udpEchoCoro(n int, coroClients bool) (int64, error) {
	serverSched, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		return 0, err
	}
	defer serverSched.Close()
	clientSched, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		return 0, err
	}
	defer clientSched.Close()
	server, err := udp.Listen(context.Background(), serverSched, "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	newClient := func() (packetConn, error) { return plainUDPListen() }
	if coroClients {
		newClient = func() (packetConn, error) {
			return udp.Listen(context.Background(), clientSched, "127.0.0.1:0")
		}
	}
	return udpEchoRun("udp_echo", server, newClient, max(n/echoConnections, 1))
}

func plainUDPListen() (packetConn, error) {
	return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
}

func plainUDPEcho(n int) (int64, error) {
	server, err := plainUDPListen()
	if err != nil {
		return 0, err
	}
	return udpEchoRun("udp_echo", server, plainUDPListen, max(n/echoConnections, 1))
}

// udpEchoRun echoes on server until the clients are done, then closes it. Measured covers the echoing (client
// sockets included), not making the IOSchedulers (see echoRun).
func udpEchoRun(name string, server packetConn, newClient func() (packetConn, error), count int) (int64, error) {
	start := time.Now()
	to := server.LocalAddr().(*net.UDPAddr).AddrPort()
	serverDone := make(chan struct{})
	go func() {
		defer close(serverDone)
		buf := make([]byte, 2048)
		for {
			k, from, err := server.ReadFromUDPAddrPort(buf)
			if err != nil {
				return // closed
			}
			if _, err := server.WriteToUDPAddrPort(buf[:k], from); err != nil {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, echoConnections)
	msg := []byte(echoMessage)
	for i := 0; i < echoConnections; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := newClient()
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			buf := make([]byte, 2048)
			for j := 0; j < count; j++ {
				if _, err := c.WriteToUDPAddrPort(msg, to); err != nil {
					errs <- err
					return
				}
				c.SetReadDeadline(time.Now().Add(time.Second))
				k, _, err := c.ReadFromUDPAddrPort(buf)
				if err != nil {
					errs <- fmt.Errorf("%s: %w", name, err)
					return
				}
				if !bytes.Equal(buf[:k], msg) {
					errs <- fmt.Errorf("%s: echo mismatch: %q", name, buf[:k])
					return
				}
			}
		}()
	}
	wg.Wait()
	Measured = time.Since(start)
	server.Close()
	<-serverDone
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return int64(echoConnections * count), nil
}
