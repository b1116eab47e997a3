package tcp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

// An echo server and a client: both sockets wait on the IOScheduler's epoll loop, and both ends are plain
// net.Conns, so io.Copy and bufio work unchanged.
func Example() {
	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ln, err := tcp.Listen(ctx, s, "127.0.0.1:0") // port 0: any free port, see ln.Addr()
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return // the listener was closed
		}
		defer c.Close()
		_, _ = io.Copy(c, c) // echo until the client closes
	}()

	c, err := tcp.Dial(ctx, s, ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := fmt.Fprintln(c, "hello"); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(line)
	// Output: hello
}
