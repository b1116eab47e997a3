// Command event_tls_server is a TLS line echo server on net/server's Go callbacks: TLS is terminated inside the
// C++ loop (OpenSSL), so the callbacks see plaintext exactly as in examples/event_echo_server. SIGHUP reloads the
// certificate and key files for new handshakes, without a restart (a renewed certificate, say).
//
//	go run ./examples/event_tls_server -addr 127.0.0.1:8443 -cert server.crt -key server.key
//	openssl s_client -connect 127.0.0.1:8443 -quiet
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/server"
	_ "github.com/gocoro/gocoro/net/server/servertls" // links OpenSSL into the loop for Options.TLS
)

var events = server.Events{
	OnOpen: func(c *server.Conn) error { // after the handshake
		_, err := fmt.Fprintf(c, "welcome, connection %d\n", c.ID())
		return err
	},
	OnData: func(c *server.Conn, in []byte) (int, error) { // decrypted bytes
		done := 0
		for {
			i := bytes.IndexByte(in[done:], '\n')
			if i < 0 {
				return done, nil // an incomplete line stays buffered
			}
			c.Write(in[done : done+i+1]) // encrypted when sent
			done += i + 1
		}
	},
	OnClose: func(c *server.Conn, err error) {
		if err != nil {
			log.Printf("connection %d: %v", c.ID(), err)
		}
	},
}

// run serves until ctx ends; every value on reload re-reads the certificate files.
func run(ctx context.Context, addr string, cert server.Certificate, reload <-chan os.Signal,
	ready func(*server.Server)) error {
	srv, err := server.Listen(ctx, addr, server.Callbacks(events), &server.Options{
		TLS: &server.TLSConfig{Certificate: cert, MinVersion: server.VersionTLS12, HandshakeTimeout: 5 * time.Second},
		// A peer that never finishes a handshake (or speaks no TLS) lands here; so do failed accepts.
		OnError:     func(err error) { log.Print(err) },
		IdleTimeout: 5 * time.Minute,
	})
	if err != nil {
		return err
	}
	ready(srv)
	for {
		select {
		case <-srv.Done():
			return nil
		case <-reload:
			if err := srv.ReloadCertificate(cert); err != nil {
				log.Printf("reload: %v (keeping the current certificate)", err)
			} else {
				log.Print("certificate reloaded")
			}
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "listen address")
	certFile := flag.String("cert", "", "PEM certificate (chain) file")
	keyFile := flag.String("key", "", "PEM private key file")
	flag.Parse()
	if *certFile == "" || *keyFile == "" {
		log.Fatal(errors.New("-cert and -key are required (e.g. openssl req -x509 -newkey ec " +
			"-pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -keyout server.key -out server.crt)"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, unix.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, unix.SIGHUP)
	cert := server.Certificate{CertFile: *certFile, KeyFile: *keyFile}
	err := run(ctx, *addr, cert, hup, func(srv *server.Server) { log.Printf("listening on %s (TLS)", srv.Addr()) })
	if err != nil {
		log.Fatal(err)
	}
}
