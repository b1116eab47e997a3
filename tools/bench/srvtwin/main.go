// Command srvtwin is one side of the net/server vs gnet comparison (tools/bench, workloads server_*): the same
// handler logic on gocoro's event-driven net/server (server.Listen: a loop of its own, driven by a goroutine) or on
// gnet v2 (one event loop).
//
//	-impl gocoro|gnet|gotls -mode http|echo -port N [-loops N] [-tls] [-thread]
//
// -thread serves gocoro with server.Serve on an inline IOScheduler with its own C++ event-loop thread (the setup
// before Listen existed): every callback then enters Go from a foreign thread, which costs the runtime more.
//
// -loops N serves with N event loops: gocoro runs N servers (Listen, or Serve on N IOSchedulers), each with its
// own listening socket on the port (SO_REUSEPORT: the kernel spreads connections), gnet its multicore mode with N
// loops (its own balancing).
//
// http answers every complete HTTP/1.x request (pipelined ones too) with a fixed keep-alive "200 OK"; echo
// writes back every byte. Both parse and consume input the same way on both sides. It serves until SIGTERM.
//
// -tls serves TLS 1.3 only, with a fresh self-signed ECDSA P-256 certificate: gocoro terminates it in its C++
// loop (Options.TLS, OpenSSL), and impl gotls is the plain-Go twin, crypto/tls on Go's net (a goroutine per
// connection); gnet has no TLS.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/server"
	_ "github.com/gocoro/gocoro/net/server/servertls"
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

// ---- crypto/tls on Go's net (the TLS twin) ----

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1, PEM-encoded.
func selfSigned() (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "srvtwin"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		log.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// goTLSEcho serves echo over crypto/tls (TLS 1.3 only) until ctx ends: one goroutine per connection.
func goTLSEcho(ctx context.Context, addr string, certPEM, keyPEM []byte) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		log.Fatal(err)
	}
	l, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13})
	if err != nil {
		log.Fatal(err)
	}
	go func() { <-ctx.Done(); l.Close() }()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 16<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					if err != io.EOF {
						log.Print(err)
					}
					return
				}
			}
		}()
	}
}

func main() {
	impl := flag.String("impl", "gocoro", "gocoro | gnet | gotls")
	useTLS := flag.Bool("tls", false, "serve TLS 1.3 (gocoro and gotls)")
	mode := flag.String("mode", "http", "http | echo")
	port := flag.Int("port", 8090, "TCP port on 127.0.0.1")
	loops := flag.Int("loops", 1, "event loops")
	thread := flag.Bool("thread", false, "gocoro: Serve on IOSchedulers with their own C++ threads instead of Listen")
	flag.Parse()
	addr := fmt.Sprintf("127.0.0.1:%d", *port)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
	defer stop()
	if *mode != "http" && *mode != "echo" {
		log.Fatalf("unknown -mode %q", *mode)
	}
	var opts server.Options
	var certPEM, keyPEM []byte
	if *useTLS || *impl == "gotls" {
		if *mode != "echo" || *impl == "gnet" {
			log.Fatal("TLS: -mode echo with -impl gocoro or gotls only")
		}
		certPEM, keyPEM = selfSigned()
		opts.TLS = &server.TLSConfig{Certificate: server.Certificate{CertPEM: certPEM, KeyPEM: keyPEM},
			MinVersion: server.VersionTLS13}
	}
	switch *impl {
	case "gocoro":
		fn := gocoroEcho
		if *mode == "http" {
			fn = gocoroHTTP
		}
		opts.ReusePort = *loops > 1
		for i := 0; i < *loops; i++ {
			var srv *server.Server
			var err error
			if *thread {
				s, serr := coro.NewIOScheduler(coro.IOSchedulerOptions{ExecutionStrategy: coro.TasksInline})
				if serr != nil {
					log.Fatal(serr)
				}
				defer s.Close()
				srv, err = server.Serve(ctx, s, addr, server.Func(fn), &opts)
			} else {
				srv, err = server.Listen(ctx, addr, server.Func(fn), &opts)
			}
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
	case "gotls":
		goTLSEcho(ctx, addr, certPEM, keyPEM)
	default:
		log.Fatalf("unknown -impl %q", *impl)
	}
}
