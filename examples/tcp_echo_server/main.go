// tcp_echo_server: the README's TCP echo server in Go, on net/tcp — every connection gets back what it sends,
// with sockets waiting for readiness on a libcoro io_scheduler's epoll loop.
//
//	go run ./examples/tcp_echo_server -addr 127.0.0.1:8080
//	printf 'hello\n' | nc -q1 127.0.0.1 8080
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

// serve echoes on every connection accepted from ln until ln is closed, then waits for the connections.
func serve(ln net.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // listener closed
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			buf := make([]byte, 16<<10)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return // io.EOF: the client is done
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (IP literal:port)")
	flag.Parse()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ln, err := tcp.Listen(context.Background(), s, *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("echo server listening on", ln.Addr())
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		ln.Close()
	}()
	serve(ln)
}
