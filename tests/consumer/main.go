// Command gocoroconsumer runs a computation on a coro.ThreadPool and an echo over net/tcp on a coro.IOScheduler,
// and prints "consumer ok: ..." when both worked.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer tp.Close()
	sum, err := coro.Schedule(ctx, tp, func(context.Context) (int, error) { return 40 + 2, nil })
	if err != nil {
		log.Fatal(err)
	}

	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ln, err := tcp.Listen(ctx, s, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()
	c, err := tcp.Dial(ctx, s, ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		log.Fatal(err)
	}
	reply := make([]byte, 4)
	if _, err := io.ReadFull(c, reply); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("consumer ok: %d, %s\n", sum, reply)
}
