package server_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
)

// The built-in echo handler: accept, read and write all run in C++ coroutines on the IOScheduler; Go only
// starts the server and reads its counters. The client here is Go's own net package.
func ExampleServe() {
	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	srv, err := server.Serve(ctx, s, "127.0.0.1:0", server.Echo(), nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fmt.Fprintln(c, "hello"); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	c.Close()
	if err := srv.Close(); err != nil { // waits for every connection's handler
		log.Fatal(err)
	}
	fmt.Print(line)
	fmt.Println("accepted:", srv.Stats().Accepted)
	// Output:
	// hello
	// accepted: 1
}

// A Go-callback server on a loop of its own: Listen starts the loop, Close stops the server and frees the loop.
func ExampleListen() {
	srv, err := server.Listen(context.Background(), "127.0.0.1:0", server.Func(func(c *server.Conn, in []byte) (int, error) {
		c.Write(in) // runs on the loop's thread; the reply leaves in one send after the return
		return len(in), nil
	}), nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := fmt.Fprintln(c, "hello"); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	c.Close()
	if err := srv.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Print(line)
	// Output:
	// hello
}
