// Command httpmodes is the Go side of tools/bench/http_modes.sh: one fixed-response HTTP server per -mode, all
// answering "200 OK, Hello, World!" on keep-alive connections.
//
//	-mode hosted     net/server.HTTP200: the native C++ handler hosted from Go (mode 2)
//	-mode func       net/server.Func with a Go HTTP handler called from the C++ loop (mode 3)
//	-mode nethttp    net/http over Go's own listener
//	-mode nethttptcp net/http over gocoro's net/tcp Listener (mode 1)
//
// hosted and func run on one IOScheduler with an event-loop thread and inline execution (like the native
// examples/native/http_200_ok_server with one scheduler); -schedulers N runs N of them on one port (SO_REUSEPORT).
//
//	go run ./tools/bench/httpmodes -mode func -port 8082
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
	"github.com/gocoro/gocoro/net/tcp"
)

const body = "Hello, World!"

// response is byte-identical to examples/native/http_200_ok_server.cpp's.
const response = "HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 13\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n" + body

var headerEnd = []byte("\r\n\r\n")

// requestLength is the length of the complete HTTP request at the start of in (headers plus a Content-Length
// body), or 0 if it is incomplete.
func requestLength(in []byte) int {
	end := bytes.Index(in, headerEnd)
	if end < 0 {
		return 0
	}
	n := 0
	for line := bytes.IndexByte(in[:end], '\n') + 1; line > 0 && line < end; {
		next := bytes.IndexByte(in[line:end], '\n')
		stop := end
		if next >= 0 {
			stop = line + next
		}
		if h := in[line:stop]; len(h) > 15 && asciiEqualFold(h[:15], "content-length:") {
			for _, ch := range h[15:] {
				if ch >= '0' && ch <= '9' {
					n = n*10 + int(ch-'0')
				}
			}
			break
		}
		if next < 0 {
			break
		}
		line = stop + 1
	}
	if total := end + 4 + n; total <= len(in) {
		return total
	}
	return 0
}

func asciiEqualFold(b []byte, lower string) bool {
	for i := range b {
		if b[i]|0x20 != lower[i] && b[i] != lower[i] {
			return false
		}
	}
	return true
}

// httpFunc is the mode-3 handler: every complete request gets the fixed response.
func httpFunc(c *server.Conn, in []byte) (int, error) {
	consumed := 0
	for {
		n := requestLength(in[consumed:])
		if n == 0 {
			return consumed, nil
		}
		consumed += n
		c.WriteString(response)
		c.AddRequests(1)
	}
}

func main() {
	mode := flag.String("mode", "func", "hosted | func | nethttp | nethttptcp")
	port := flag.Int("port", 8082, "TCP port")
	address := flag.String("address", "127.0.0.1", "IP address to listen on")
	schedulers := flag.Int("schedulers", 1, "IOSchedulers (hosted, func)")
	flag.Parse()
	addr := fmt.Sprintf("%s:%d", *address, *port)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
	defer stop()

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(body))
	})
	switch *mode {
	case "hosted", "func":
		h := server.HTTP200(body)
		if *mode == "func" {
			h = server.Func(httpFunc)
		}
		for i := 0; i < *schedulers; i++ {
			s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
			if err != nil {
				log.Fatal(err)
			}
			defer s.Close()
			srv, err := server.Serve(ctx, s, addr, h, &server.Options{ReusePort: *schedulers > 1})
			if err != nil {
				log.Fatal(err)
			}
			defer func() {
				st := srv.Stats()
				fmt.Fprintf(os.Stderr, "httpmodes %s: %d connections, %d requests, %d errors\n", *mode, st.Accepted, st.Requests, st.Errors)
			}()
		}
	case "nethttp":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		go http.Serve(ln, handler)
	case "nethttptcp":
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
		if err != nil {
			log.Fatal(err)
		}
		defer s.Close()
		ln, err := tcp.Listen(ctx, s, addr)
		if err != nil {
			log.Fatal(err)
		}
		defer ln.Close()
		go http.Serve(ln, handler)
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
	fmt.Fprintf(os.Stderr, "httpmodes -mode %s listening on %s\n", *mode, addr)
	<-ctx.Done()
}
