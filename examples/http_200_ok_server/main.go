// http_200_ok_server: the README's fixed-response HTTP/1.1 server in Go, on net/tcp. Every request on a
// keep-alive connection gets the same "200 OK, Hello, World!" reply (like examples/native/http_200_ok_server.cpp,
// but with the accept/read/write loop in Go goroutines over libcoro's epoll loop).
//
//	go run ./examples/http_200_ok_server -addr 127.0.0.1:8080
//	curl http://127.0.0.1:8080/
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tcp"
)

const response = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 13\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n" +
	"Hello, World!"

// handle answers every request on c, in order, until the client closes or sends something that is not HTTP.
func handle(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 4096)
	w := bufio.NewWriterSize(c, 4096)
	for {
		// Request line and headers, up to the blank line.
		contentLength := 0
		for first := true; ; first = false {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			s := strings.TrimRight(string(line), "\r\n")
			if s == "" {
				if first {
					continue // tolerate stray CRLF between requests
				}
				break
			}
			if k, v, ok := strings.Cut(s, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
					contentLength = n
				}
			}
		}
		if _, err := r.Discard(contentLength); err != nil {
			return
		}
		io.WriteString(w, response)
		if r.Buffered() == 0 { // pipelined requests are answered with one write
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

func serve(ln net.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() { defer wg.Done(); handle(c) }()
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
	fmt.Println("http_200_ok_server listening on", ln.Addr())
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		ln.Close()
	}()
	serve(ln)
}
