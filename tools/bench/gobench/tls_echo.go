package gobench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	gotls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tls"
)

// B13 (tls echo, thread pool): tcp_echo_pool over TLS — 100 connections (handshakes included in the measured
// time, as in the C++ program), each sending n/100 36-byte messages and reading each echo back. "go" runs both ends
// on package net/tls (server and clients on two IOSchedulers with thread pools; the client does not verify the
// server, like the C++ program's verify_peer_t::no); "plaingo" uses Go's crypto/tls over net. The self-signed EC
// P-256 certificate and the contexts are made before the clock starts. Both rows negotiate TLS 1.3, X25519 and
// TLS_AES_128_GCM_SHA256 (net/tls offers the TLS 1.3 suites in crypto/tls's order; the crypto/tls server is held
// to X25519, since crypto/tls would otherwise pick the hybrid X25519MLKEM768, which OpenSSL 3.0 lacks).
//
// tls_echo_goclient: a net/tls server with crypto/tls clients, so that both rows use the same protocol, key
// (ECDSA P-256), key exchange (X25519) and suite (TLS_AES_128_GCM_SHA256: OpenSSL follows the client's order);
// every client checks the negotiated version and suite (the key exchange is fixed by configuration: this module's
// Go version predates ConnectionState.CurveID). Its "plaingo" twin is plainTLSEcho.

// TLSWorkloads lists the TLS workloads (suite net); the driver runs them with All's.
func TLSWorkloads() []Workload {
	return []Workload{
		{"tls_echo_pool", "net", "go", 100_000, tlsEchoPool},
		{"tls_echo_pool", "net", "plaingo", 100_000, plainTLSEcho},
		{"tls_echo_goclient", "net", "go", 100_000, tlsEchoGoClient},
		{"tls_echo_goclient", "net", "plaingo", 100_000, plainTLSEcho},
	}
}

// benchCertificate returns a self-signed certificate for localhost and its key, PEM-encoded.
func benchCertificate() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// benchServerContext is a net/tls server context with a fresh benchCertificate.
func benchServerContext() (*tls.Context, error) {
	certPEM, keyPEM, err := benchCertificate()
	if err != nil {
		return nil, err
	}
	return tls.NewContext(tls.Config{CertPEM: certPEM, KeyPEM: keyPEM})
}

// wantNegotiated reports whether a connection negotiated what every TLS row uses: TLS 1.3 with
// TLS_AES_128_GCM_SHA256.
func wantNegotiated(version, suite uint16) bool {
	return version == gotls.VersionTLS13 && suite == gotls.TLS_AES_128_GCM_SHA256
}

// negotiatedErr reports a connection that negotiated something else (what: "<library> negotiated").
func negotiatedErr(what string, version, suite uint16) error {
	return fmt.Errorf("tls echo: %s %s with %s, want TLS 1.3 with TLS_AES_128_GCM_SHA256", what,
		gotls.VersionName(version), gotls.CipherSuiteName(suite))
}

func tlsEchoPool(n int) (int64, error) {
	count := max(n/echoConnections, 1)
	serverCtx, err := benchServerContext()
	if err != nil {
		return 0, err
	}
	clientCtx, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
	if err != nil {
		return 0, err
	}
	serverSched, clientSched, err := schedulerPair()
	if err != nil {
		return 0, err
	}
	defer serverSched.Close()
	defer clientSched.Close()
	ln, err := tls.Listen(context.Background(), serverSched, "127.0.0.1:0", serverCtx)
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	dial := func() (net.Conn, error) {
		c, err := tls.Dial(context.Background(), clientSched, ln.Addr().String(), clientCtx)
		if err != nil {
			return nil, err
		}
		if st := c.ConnectionState(); !wantNegotiated(st.Version, st.CipherSuite) {
			c.Close()
			return nil, negotiatedErr("net/tls negotiated", st.Version, st.CipherSuite)
		}
		return c, nil
	}
	return echoRun("tls_echo_pool", ln, dial, count) // it sets Measured
}

func tlsEchoGoClient(n int) (int64, error) {
	count := max(n/echoConnections, 1)
	serverCtx, err := benchServerContext()
	if err != nil {
		return 0, err
	}
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	ln, err := tls.Listen(context.Background(), s, "127.0.0.1:0", serverCtx)
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return echoRun("tls_echo_goclient", ln, goTLSDialer(ln.Addr().String()), count) // it sets Measured
}

// goTLSDialer dials with crypto/tls (no verification, like the C++ program) and checks the negotiated
// parameters that the TLS rows compare.
func goTLSDialer(addr string) func() (net.Conn, error) {
	cfg := &gotls.Config{InsecureSkipVerify: true}
	return func() (net.Conn, error) {
		c, err := gotls.Dial("tcp", addr, cfg)
		if err != nil {
			return nil, err
		}
		if st := c.ConnectionState(); !wantNegotiated(st.Version, st.CipherSuite) {
			c.Close()
			return nil, negotiatedErr("negotiated", st.Version, st.CipherSuite)
		}
		return c, nil
	}
}

func plainTLSEcho(n int) (int64, error) {
	count := max(n/echoConnections, 1)
	certPEM, keyPEM, err := benchCertificate()
	if err != nil {
		return 0, err
	}
	pair, err := gotls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return 0, err
	}
	ln, err := gotls.Listen("tcp", "127.0.0.1:0", &gotls.Config{Certificates: []gotls.Certificate{pair},
		CurvePreferences: []gotls.CurveID{gotls.X25519}}) // the key exchange OpenSSL 3.0 negotiates with net/tls
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return echoRun("tls_echo_pool", ln, goTLSDialer(ln.Addr().String()), count) // it sets Measured
}
