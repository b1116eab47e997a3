package adversarial

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
)

// scale returns n, or n/10 (at least 1) under -short.
func scale(n int) int {
	if testing.Short() {
		return max(1, n/10)
	}
	return n
}

// jitterCtx returns a context that ends after a random 0–maxMicros µs: often before, sometimes exactly when the
// operation it bounds is granted, which is the instant the conservation promises are about.
func jitterCtx(maxMicros int) (context.Context, context.CancelFunc) {
	d := time.Duration(mrand.IntN(maxMicros+1)) * time.Microsecond
	if d == 0 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	}
	return context.WithTimeout(context.Background(), d)
}

func newPool(t testing.TB, threads int) *coro.ThreadPool {
	t.Helper()
	tp, err := coro.NewThreadPool(coro.ThreadPoolOptions{ThreadCount: threads})
	require.NoError(t, err)
	t.Cleanup(func() { _ = tp.Close() })
	return tp
}

func newSched(t testing.TB) *coro.IOScheduler {
	t.Helper()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// procStatus reads a numeric field of /proc/self/status (Threads, VmRSS in kB).
func procStatus(t testing.TB, field string) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.Atoi(strings.Fields(rest)[0])
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// eventually polls cond every 10 ms for up to d (loaded machines and drainers lag a little).
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// selfSigned writes a self-signed P-256 certificate for localhost/127.0.0.1 and its key into dir.
func selfSigned(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = dir+"/cert.pem", dir+"/key.pem"
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

// lookupName is what the suite's resolvers look up. Not "localhost": Debian 12's c-ares 1.18.1 leaks the name (10
// bytes) on every ares_gethostbyname of "localhost" (a plain C program shows it), which LeakSanitizer reports in the
// test command's -asan run; a numeric name takes no such path and needs no network either.
const lookupName = "127.0.0.1"
