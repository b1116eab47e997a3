// Parity scenario 112 (test/net/test_tls_server.cpp) through package net/tls. Upstream's test main makes
// cert.pem/key.pem with the openssl CLI and listens on port 8080; here the certificate is made with crypto/x509
// in t.TempDir() and the listener takes a free port. when_all of the server and client coroutines becomes two
// goroutines on a 1-thread scheduler.
package gotest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/tls"
)

// selfSigned writes a self-signed EC P-256 certificate for CN=localhost and its key as PEM files into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

func TestNetTLSServer(t *testing.T) {
	ctx := context.Background()

	t.Run("tls_server hello world server", func(t *testing.T) {
		certFile, keyFile := selfSigned(t, t.TempDir())
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		defer s.Close()

		clientMsg := "Hello world from TLS client!"
		serverMsg := "Hello world from TLS server!!"

		serverCtx, err := tls.NewContext(tls.Config{CertFile: certFile, KeyFile: keyFile})
		require.NoError(t, err)
		ln, err := tls.Listen(ctx, s, "127.0.0.1:0", serverCtx)
		require.NoError(t, err)
		defer ln.Close()

		var wg sync.WaitGroup
		var serverErr error
		var serverGot string
		wg.Add(1)
		go func() { // server
			defer wg.Done()
			c, err := ln.AcceptTLS()
			if err != nil {
				serverErr = err
				return
			}
			defer c.Close()
			buf := make([]byte, 256)
			n, err := c.Read(buf) // runs the server handshake first
			if err != nil {
				serverErr = err
				return
			}
			serverGot = string(buf[:n])
			var w int
			w, serverErr = c.Write([]byte(serverMsg))
			if serverErr == nil && w != len(serverMsg) {
				serverErr = os.ErrInvalid
			}
		}()

		// client: verify_peer_t::no
		clientCtx, err := tls.NewContext(tls.Config{Verify: tls.VerifyNone})
		require.NoError(t, err)
		c, err := tls.Dial(ctx, s, ln.Addr().String(), clientCtx) // connect() == connected
		require.NoError(t, err)
		n, err := c.Write([]byte(clientMsg))
		require.NoError(t, err)
		require.Equal(t, len(clientMsg), n)
		buf := make([]byte, 256)
		n, err = c.Read(buf)
		require.NoError(t, err)
		require.Equal(t, len(serverMsg), n)
		require.Equal(t, serverMsg, string(buf[:n]))
		require.NoError(t, c.Close())
		wg.Wait()
		require.NoError(t, serverErr)
		require.Equal(t, clientMsg, serverGot)
	})
}
