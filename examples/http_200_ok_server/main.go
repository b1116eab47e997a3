// http_200_ok_server: the README's fixed-response HTTP/1.1 server in Go, on net/tcp. Every request on a
// keep-alive connection gets the same "200 OK, Hello, World!" reply (like examples/native/http_200_ok_server.cpp,
// but with the accept/read/write loop in Go goroutines over libcoro's epoll loop).
//
//	go run ./examples/http_200_ok_server -addr 127.0.0.1:8080
//	curl http://127.0.0.1:8080/
//
// With -demo N (what tools/demo.sh runs) it also sends itself N keep-alive requests through Go's net/http client,
// prints the answers and exits.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
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

// selfRequests is the demo's client: n GET requests on one keep-alive connection.
func selfRequests(w io.Writer, addr string, n int) error {
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	for i := 1; i <= n; i++ {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "GET / #%d -> %s %q\n", i, resp.Status, body)
	}
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (IP literal:port)")
	demo := flag.Int("demo", 0, "send N requests to the server, print the answers and exit")
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
	if *demo > 0 {
		go func() {
			defer ln.Close()
			if err := selfRequests(os.Stdout, ln.Addr().String(), *demo); err != nil {
				log.Fatal(err)
			}
		}()
		serve(ln)
		return
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		ln.Close()
	}()
	serve(ln)
}
