// Command srvtwin is one side of the net/server vs gnet comparison (tools/bench, workloads server_*): the same
// handler logic on gocoro's event-driven net/server (Callbacks on one IOScheduler, inline, one event-loop thread)
// or on gnet v2 (one event loop).
//
//	-impl gocoro|gnet -mode http|echo -port N [-loops N]
//
// -loops N serves with N event loops: gocoro runs N IOSchedulers, each with its own listening socket on the port
// (SO_REUSEPORT: the kernel spreads connections), gnet its multicore mode with N loops (its own balancing).
//
// http answers every complete HTTP/1.x request (pipelined ones too) with a fixed keep-alive "200 OK"; echo
// writes back every byte. Both parse and consume input the same way on both sides. It serves until SIGTERM.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
	"github.com/panjf2000/gnet/v2"
)

// response is byte-identical to examples/native/http_200_ok_server.cpp's.
const response = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 13\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\nHello, World!"

var headerEnd = []byte("\r\n\r\n")

// requests counts the complete requests at the start of in (bodies are not expected: wrk sends GETs) and returns
// how many bytes they take.
func requests(in []byte) (n, consumed int) {
	for {
		end := bytes.Index(in[consumed:], headerEnd)
		if end < 0 {
			return n, consumed
		}
		consumed += end + 4
		n++
	}
}

// ---- gocoro ----

func gocoroHTTP(c *server.Conn, in []byte) (int, error) {
	n, consumed := requests(in)
	for i := 0; i < n; i++ {
		c.WriteString(response)
	}
	return consumed, nil
}

func gocoroEcho(c *server.Conn, in []byte) (int, error) {
	c.Write(in)
	return len(in), nil
}

// ---- gnet ----

type gnetServer struct {
	gnet.BuiltinEventEngine
	http bool
	out  []byte
}

func (g *gnetServer) OnTraffic(c gnet.Conn) gnet.Action {
	in, _ := c.Peek(-1)
	if !g.http {
		c.Write(in) // copies into gnet's output
		c.Discard(len(in))
		return gnet.None
	}
	n, consumed := requests(in)
	if n == 1 {
		c.Write([]byte(response))
	} else if n > 1 {
		g.out = g.out[:0]
		for i := 0; i < n; i++ {
			g.out = append(g.out, response...)
		}
		c.Write(g.out)
	}
	c.Discard(consumed)
	return gnet.None
}

func main() {
	impl := flag.String("impl", "gocoro", "gocoro | gnet")
	mode := flag.String("mode", "http", "http | echo")
	port := flag.Int("port", 8090, "TCP port on 127.0.0.1")
	loops := flag.Int("loops", 1, "event loops")
	flag.Parse()
	addr := fmt.Sprintf("127.0.0.1:%d", *port)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *mode != "http" && *mode != "echo" {
		log.Fatalf("unknown -mode %q", *mode)
	}
	switch *impl {
	case "gocoro":
		fn := gocoroEcho
		if *mode == "http" {
			fn = gocoroHTTP
		}
		for i := 0; i < *loops; i++ {
			s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
			if err != nil {
				log.Fatal(err)
			}
			defer s.Close()
			srv, err := server.Serve(ctx, s, addr, server.Func(fn), &server.Options{ReusePort: *loops > 1})
			if err != nil {
				log.Fatal(err)
			}
			defer srv.Close()
		}
		<-ctx.Done()
	case "gnet":
		g := &gnetServer{http: *mode == "http"}
		errc := make(chan error, 1)
		go func() {
			errc <- gnet.Run(g, "tcp://"+addr, gnet.WithMulticore(*loops > 1), gnet.WithNumEventLoop(*loops),
				gnet.WithTCPNoDelay(gnet.TCPNoDelay))
		}()
		select {
		case err := <-errc:
			log.Fatal(err)
		case <-ctx.Done():
			gnet.Stop(context.Background(), "tcp://"+addr)
		}
	default:
		log.Fatalf("unknown -impl %q", *impl)
	}
}
