package tls_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tls"
)

// A TLS echo over loopback. The server's Context holds its certificate and key; the client's trusts that
// certificate (CAPEM) and checks it against the address it dials (an IP here, so the certificate's IP SAN).
// Real code loads files instead: tls.Config{CertFile: "cert.pem", KeyFile: "key.pem"}.
func Example() {
	certPEM, keyPEM := selfSigned()
	serverCtx, err := tls.NewContext(tls.Config{CertPEM: certPEM, KeyPEM: keyPEM})
	if err != nil {
		log.Fatal(err) // names the file or says what OpenSSL disliked
	}
	clientCtx, err := tls.NewContext(tls.Config{CAPEM: certPEM})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ln, err := tls.Listen(ctx, s, "127.0.0.1:0", serverCtx)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return // the listener was closed
		}
		defer c.Close()
		_, _ = io.Copy(c, c) // the handshake happens on the first Read
	}()

	c, err := tls.Dial(ctx, s, ln.Addr().String(), clientCtx)
	if err != nil {
		log.Fatal(err) // a failed handshake matches tls.ErrHandshake (and tls.ErrCertificate)
	}
	defer c.Close()
	if _, err := fmt.Fprintln(c, "hello over TLS"); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(line)
	// Output: hello over TLS
}

// selfSigned makes a certificate for 127.0.0.1 and its key, in PEM.
func selfSigned() (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gocoro example"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		log.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
}
