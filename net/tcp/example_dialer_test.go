package tcp_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

// Dialer and ListenConfig take net.Dialer's and net.ListenConfig's options: here two listeners share a port
// (SO_REUSEPORT set in Control, before the bind), accepted connections probe an idle peer after 30 s, and the client
// gives up connecting after 5 s.
func ExampleDialer() {
	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	lc := tcp.ListenConfig{
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			}); err != nil {
				return err
			}
			return serr
		},
	}
	ln1, err := lc.Listen(ctx, s, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln1.Close()
	ln2, err := lc.Listen(ctx, s, ln1.Addr().String()) // the same port
	if err != nil {
		log.Fatal(err)
	}
	defer ln2.Close()
	for _, ln := range []*tcp.Listener{ln1, ln2} {
		go func() {
			if c, err := ln.Accept(); err == nil {
				c.Close()
			}
		}()
	}

	d := tcp.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}
	c, err := d.Dial(ctx, s, ln1.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(c.LocalAddr().(*net.TCPAddr).IP, c.RemoteAddr().String() == ln1.Addr().String())
	// Output: 127.0.0.1 true
}
