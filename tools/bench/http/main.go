// Command http is the Go side of the HTTP comparison (tools/bench/http_compare.sh): a plain TCP server
// that writes the same fixed HTTP/1.1 200 response as examples/native/http_200_ok_server on every read.
// It does not parse requests, so it is only correct for one request per read (what wrk sends without
// pipelining), which makes it a lower bound on the work a real HTTP server does.
//
//	go run ./tools/bench/http -port 8081
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
)

// response must stay byte-identical to the one in examples/native/http_200_ok_server.cpp.
var response = []byte("HTTP/1.1 200 OK\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 13\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n" +
	"Hello, World!")

func serve(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(response); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func main() {
	port := flag.Int("port", 8081, "TCP port to listen on")
	address := flag.String("address", "0.0.0.0", "address to listen on")
	flag.Parse()

	ln, err := net.Listen("tcp", fmt.Sprintf("%s:%d", *address, *port))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "go http server listening on %s\n", ln.Addr())
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(conn)
	}
}
