// Command event_http_server is a minimal keep-alive HTTP/1.1 server on net/server's Go callbacks: OnData parses
// the requests buffered so far (pipelined ones too, a partial one stays buffered), answers each from the C++
// loop's thread and counts it in Stats. Slow clients are cut off by the read timeout (a request that never
// completes) and the idle timeout.
//
//	go run ./examples/event_http_server -addr 127.0.0.1:8080
//	curl http://127.0.0.1:8080/hello
package main

import (
	"bytes"
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/server"
)

var headerEnd = []byte("\r\n\r\n")

// handle answers every complete request at the start of in and returns how many bytes they took. Requests carry
// no body here (GET/HEAD); anything else gets 501.
func handle(c *server.Conn, in []byte) (int, error) {
	done := 0
	for {
		end := bytes.Index(in[done:], headerEnd)
		if end < 0 {
			return done, nil
		}
		req := in[done : done+end]
		done += end + 4
		method, rest, _ := bytes.Cut(req, []byte(" "))
		path, _, _ := bytes.Cut(rest, []byte(" "))
		status, body := "200 OK", "you asked for "+string(path)+"\n"
		if string(method) != "GET" && string(method) != "HEAD" {
			status, body = "501 Not Implemented", "only GET and HEAD\n"
		}
		c.WriteString("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n\r\n")
		if string(method) != "HEAD" {
			c.WriteString(body)
		}
		c.AddRequests(1)
	}
}

func run(ctx context.Context, addr string, ready func(*server.Server)) error {
	srv, err := server.Listen(ctx, addr, server.Func(handle), &server.Options{
		ReadTimeout: 10 * time.Second, IdleTimeout: time.Minute, MaxInput: 64 << 10, MaxConns: 10000,
	})
	if err != nil {
		return err
	}
	ready(srv)
	<-srv.Done()
	st := srv.Stats()
	log.Printf("served %d requests on %d connections", st.Requests, st.Accepted)
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, func(srv *server.Server) { log.Printf("listening on %s", srv.Addr()) }); err != nil {
		log.Fatal(err)
	}
}
