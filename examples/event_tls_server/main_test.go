package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/server"
)

// writeCert writes a self-signed P-256 certificate for 127.0.0.1 with the given serial to the two files.
func writeCert(t *testing.T, serial int64, certFile, keyFile string) *x509.CertPool {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "event_tls_server test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

func TestEventTLSServer(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	first := writeCert(t, 1, certFile, keyFile)

	ctx, cancel := context.WithCancel(context.Background())
	reload := make(chan os.Signal, 1)
	ready := make(chan *server.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", server.Certificate{CertFile: certFile, KeyFile: keyFile}, reload,
			func(s *server.Server) { ready <- s })
	}()
	srv := <-ready

	dial := func(pool *x509.CertPool) (*tls.Conn, *bufio.Reader) {
		c, err := tls.Dial("tcp", srv.Addr().String(), &tls.Config{RootCAs: pool})
		require.NoError(t, err)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(line, "welcome, connection "), line)
		return c, r
	}
	c, r := dial(first)
	defer c.Close()
	_, err := c.Write([]byte("hel"))
	require.NoError(t, err)
	_, err = c.Write([]byte("lo\n"))
	require.NoError(t, err)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "hello\n", line)

	// A renewed certificate, then "SIGHUP": new handshakes present it.
	second := writeCert(t, 2, certFile, keyFile)
	reload <- unix.SIGHUP
	require.Eventually(t, func() bool {
		c2, err := tls.Dial("tcp", srv.Addr().String(), &tls.Config{RootCAs: second})
		if err != nil {
			return false
		}
		c2.Close()
		return true
	}, 10*time.Second, 20*time.Millisecond)
	c2, _ := dial(second)
	require.EqualValues(t, 2, c2.ConnectionState().PeerCertificates[0].SerialNumber.Int64())
	c2.Close()

	cancel()
	require.NoError(t, <-done)
}
