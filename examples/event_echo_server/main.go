// Command event_echo_server is an event-driven line echo server on net/server's Go callbacks: the C++ loop calls
// OnOpen, OnData and OnClose on its thread; a background goroutine pushes a heartbeat to every connection with
// AsyncWrite (safe even if the connection closed meanwhile); idle connections are closed after -idle.
//
//	go run ./examples/event_echo_server -addr 127.0.0.1:8080
//	nc 127.0.0.1 8080
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/server"
)

// hub tracks the open connections for the heartbeat goroutine.
type hub struct {
	mu    sync.Mutex
	conns map[uint64]*server.Conn
}

func (h *hub) events() server.Events {
	return server.Events{
		OnOpen: func(c *server.Conn) error {
			h.mu.Lock()
			h.conns[c.ID()] = c
			h.mu.Unlock()
			_, err := fmt.Fprintf(c, "welcome, connection %d\n", c.ID())
			return err
		},
		OnData: func(c *server.Conn, in []byte) (int, error) {
			done := 0
			for {
				i := bytes.IndexByte(in[done:], '\n')
				if i < 0 {
					return done, nil // an incomplete line stays buffered
				}
				c.Write(in[done : done+i+1])
				done += i + 1
			}
		},
		OnClose: func(c *server.Conn, err error) {
			h.mu.Lock()
			delete(h.conns, c.ID())
			h.mu.Unlock()
			if err != nil {
				log.Printf("connection %d: %v", c.ID(), err)
			}
		},
	}
}

// heartbeat writes a line to every open connection until ctx ends.
func (h *hub) heartbeat(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.mu.Lock()
			for _, c := range h.conns {
				c.AsyncWrite([]byte("heartbeat " + now.Format(time.TimeOnly) + "\n")) // ErrClosed is fine
			}
			h.mu.Unlock()
		}
	}
}

func run(ctx context.Context, addr string, idle, beat time.Duration, ready func(*server.Server)) error {
	h := &hub{conns: map[uint64]*server.Conn{}}
	srv, err := server.Listen(ctx, addr, server.Callbacks(h.events()), &server.Options{IdleTimeout: idle})
	if err != nil {
		return err
	}
	go h.heartbeat(ctx, beat)
	ready(srv)
	<-srv.Done()
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	idle := flag.Duration("idle", time.Minute, "close connections idle for this long")
	beat := flag.Duration("heartbeat", 10*time.Second, "heartbeat interval")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
	defer stop()
	err := run(ctx, *addr, *idle, *beat, func(srv *server.Server) { log.Printf("listening on %s", srv.Addr()) })
	if err != nil {
		log.Fatal(err)
	}
}
