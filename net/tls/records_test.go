package tls_test

import (
	"bufio"
	"bytes"
	"context"
	gotls "crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/tls"
)

// Which sessions Go's record layer takes over: TLS 1.3 ones (both sides of ours, and ours against crypto/tls);
// TLS 1.2 stays with OpenSSL.
func TestRecordsInGo(t *testing.T) {
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	inGo := make(chan bool, 4)
	wg := serve(ln, func(c net.Conn) {
		tc := c.(*tls.Conn)
		if tc.Handshake() == nil {
			inGo <- tls.RecordsInGo(tc)
		}
		echo(c)
	})
	conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	require.NoError(t, conn.Handshake())
	require.True(t, tls.RecordsInGo(conn), "client")
	require.True(t, <-inGo, "server")
	roundTrip(t, conn, conn.CloseWrite)
	conn.Close()

	c := testCert(t)
	for _, version := range []uint16{gotls.VersionTLS12, gotls.VersionTLS13} {
		gc, err := gotls.Dial("tcp", ln.Addr().String(), &gotls.Config{RootCAs: c.pool, ServerName: "localhost", MaxVersion: version})
		require.NoError(t, err)
		require.Equal(t, version == gotls.VersionTLS13, <-inGo, gotls.VersionName(version))
		gc.Close()
	}
	ln.Close()
	wg.Wait()

	gln, err := gotls.Listen("tcp", "127.0.0.1:0", &gotls.Config{Certificates: []gotls.Certificate{c.pair}, MaxVersion: gotls.VersionTLS12})
	require.NoError(t, err)
	defer gln.Close()
	gwg := serve(gln, echo)
	conn, err = tls.Dial(context.Background(), s, gln.Addr().String(), clientContext(t))
	require.NoError(t, err)
	require.NoError(t, conn.Handshake())
	require.False(t, tls.RecordsInGo(conn), "TLS 1.2")
	conn.Close()
	gln.Close()
	gwg.Wait()
}

// Key updates every few records, against crypto/tls on either side and between two of ours: both directions turn
// over (each side's update asks the peer for one), and the data arrives intact.
func TestKeyUpdates(t *testing.T) {
	restore := tls.SetKeyUpdateAfter(3)
	defer restore()
	c := testCert(t)
	s := newScheduler(t)

	exchange := func(t *testing.T, conn net.Conn) {
		buf := make([]byte, 1<<20)
		for i := 0; i < 40; i++ {
			msg := pattern(1 + i*i*60) // up to ~90 KiB: several records in one Write
			_, err := conn.Write(msg)
			require.NoError(t, err)
			_, err = io.ReadFull(conn, buf[:len(msg)])
			require.NoError(t, err)
			require.True(t, bytes.Equal(msg, buf[:len(msg)]), "message %d", i)
		}
	}
	t.Run("crypto/tls server", func(t *testing.T) {
		gln, err := gotls.Listen("tcp", "127.0.0.1:0", &gotls.Config{Certificates: []gotls.Certificate{c.pair}})
		require.NoError(t, err)
		wg := serve(gln, echo)
		conn, err := tls.Dial(context.Background(), s, gln.Addr().String(), clientContext(t))
		require.NoError(t, err)
		exchange(t, conn)
		in, out := tls.KeySeqs(conn)
		require.LessOrEqual(t, out, uint64(3))
		require.Less(t, in, uint64(40), "the peer's key did not turn over")
		conn.Close()
		gln.Close()
		wg.Wait()
	})
	ln := listen(t, s, serverContext(t))
	seqs := make(chan [2]uint64, 2)
	wg := serve(ln, func(c net.Conn) {
		echo(c)
		in, out := tls.KeySeqs(c.(*tls.Conn))
		seqs <- [2]uint64{in, out}
	})
	t.Run("crypto/tls client", func(t *testing.T) {
		gc, err := gotls.Dial("tcp", ln.Addr().String(), &gotls.Config{RootCAs: c.pool, ServerName: "localhost"})
		require.NoError(t, err)
		exchange(t, gc)
		gc.Close()
		got := <-seqs
		require.LessOrEqual(t, got[1], uint64(3))
		require.Less(t, got[0], uint64(40), "the peer's key did not turn over")
	})
	t.Run("net/tls both ends", func(t *testing.T) {
		conn, err := tls.Dial(context.Background(), s, ln.Addr().String(), clientContext(t))
		require.NoError(t, err)
		exchange(t, conn)
		conn.Close()
		<-seqs
	})
	ln.Close()
	wg.Wait()
}

// keyLog captures crypto/tls's client application traffic secret (NSS key log format).
type keyLog struct{ secret chan []byte }

func (k keyLog) Write(line []byte) (int, error) {
	f := strings.Fields(string(line))
	if len(f) == 3 && f[0] == "CLIENT_TRAFFIC_SECRET_0" {
		b, err := hex.DecodeString(f[2])
		if err != nil {
			return 0, err
		}
		k.secret <- b
	}
	return len(line), nil
}

// Records a peer may legally send and ones it must not, crafted with the client's real traffic secret after a
// crypto/tls handshake and one good record, and read by our server.
func TestRecordsFromPeer(t *testing.T) {
	const (
		alert     = 21
		handshake = 22
		appData   = 23
	)
	type rec struct {
		typ  byte
		data []byte
		pad  int
		next bool // sealed under the secret after a KeyUpdate
	}
	keyUpdate := func(ask byte) []byte { return []byte{24, 0, 0, 1, ask} }
	cases := []struct {
		name    string
		records []rec
		want    string // what Read returns after "hello"
		err     string // "" for io.EOF
	}{
		{"padding", []rec{{typ: appData, data: []byte("abc"), pad: 300}}, "abc", ""},
		{"empty records", []rec{{typ: appData}, {typ: appData, pad: 7}, {typ: appData, data: []byte("x")}}, "x", ""},
		{"close_notify", []rec{{typ: alert, data: []byte{1, 0}}, {typ: appData, data: []byte("after")}}, "", ""},
		{"user_canceled", []rec{{typ: alert, data: []byte{1, 90}}, {typ: appData, data: []byte("y")}}, "y", ""},
		{"fatal alert", []rec{{typ: alert, data: []byte{2, 48}}}, "", "alert from the peer: unknown ca"},
		{"key update", []rec{{typ: handshake, data: keyUpdate(0)}, {typ: appData, data: []byte("new key"), next: true}}, "new key", ""},
		{"key update split over records", []rec{{typ: handshake, data: keyUpdate(0)[:2]}, {typ: handshake, data: keyUpdate(0)[2:]}, {typ: appData, data: []byte("z"), next: true}}, "z", ""},
		{"old key after key update", []rec{{typ: handshake, data: keyUpdate(0)}, {typ: appData, data: []byte("old")}}, "", "bad record mac"},
		{"key update with more in its record", []rec{{typ: handshake, data: append(keyUpdate(0), 24, 0)}}, "", "KeyUpdate not at the end of a record"},
		{"malformed key update", []rec{{typ: handshake, data: keyUpdate(2)}}, "", "malformed KeyUpdate"},
		{"session ticket to a server", []rec{{typ: handshake, data: []byte{4, 0, 0, 0}}}, "", "unexpected handshake message type 4"},
		{"interleaved handshake", []rec{{typ: handshake, data: []byte{24, 0}}, {typ: appData, data: []byte("x")}}, "", "interleaved"},
		{"no content type", []rec{{typ: 0, pad: 3}}, "", "record without a content type"},
		{"unknown content type", []rec{{typ: 99, data: []byte("?")}}, "", "unexpected record content type 99"},
		{"oversized plaintext", []rec{{typ: appData, data: make([]byte, 1<<14+1)}}, "", "record overflow"},
		{"oversized padding", []rec{{typ: appData, data: make([]byte, 1<<14), pad: 1}}, "", "record overflow"},
		{"largest record", []rec{{typ: appData, data: bytes.Repeat([]byte("m"), 1<<14)}}, strings.Repeat("m", 1<<14), ""},
		{"empty handshake record", []rec{{typ: handshake}}, "", "empty handshake record"},
	}
	s := newScheduler(t)
	ln := listen(t, s, serverContext(t))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := net.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			defer raw.Close()
			sc, err := ln.AcceptTLS()
			require.NoError(t, err)
			defer sc.Close()
			require.NoError(t, sc.SetDeadline(time.Now().Add(10*time.Second)))
			type outcome struct {
				got string
				err error
			}
			done := make(chan outcome, 1)
			go func() {
				r := bufio.NewReader(sc)
				hello := make([]byte, 5)
				if _, err := io.ReadFull(r, hello); err != nil || string(hello) != "hello" {
					done <- outcome{string(hello), fmt.Errorf("hello: %v", err)}
					return
				}
				got, err := io.ReadAll(r)
				done <- outcome{string(got), err}
			}()
			kl := keyLog{make(chan []byte, 1)}
			gc := gotls.Client(raw, &gotls.Config{InsecureSkipVerify: true, KeyLogWriter: kl})
			require.NoError(t, gc.Handshake())
			_, err = gc.Write([]byte("hello")) // the client's record 0
			require.NoError(t, err)
			require.True(t, tls.RecordsInGo(sc) || waitInGo(sc), "the server's records are not in Go")
			suite, secret := gc.ConnectionState().CipherSuite, <-kl.secret
			next := tls.NextSecret(suite, secret)
			seq, nextSeq := uint64(1), uint64(0)
			var wire []byte
			for _, r := range tc.records {
				if r.next {
					wire = append(wire, tls.SealRecord(suite, next, nextSeq, r.typ, r.data, r.pad)...)
					nextSeq++
				} else {
					wire = append(wire, tls.SealRecord(suite, secret, seq, r.typ, r.data, r.pad)...)
					seq++
				}
			}
			_, err = raw.Write(wire)
			require.NoError(t, err)
			require.NoError(t, raw.(*net.TCPConn).CloseWrite())
			o := <-done
			require.Equal(t, tc.want, o.got)
			if tc.err == "" {
				require.NoError(t, o.err) // io.ReadAll: ended at io.EOF
				return
			}
			require.Error(t, o.err)
			require.Contains(t, o.err.Error(), tc.err)
			require.False(t, errors.Is(o.err, tls.ErrHandshake))
			// Final: the next Read reports it again.
			_, err = sc.Read(make([]byte, 1))
			require.ErrorContains(t, err, tc.err)
			if !strings.HasPrefix(tc.err, "alert from the peer") {
				// The peer was told why, as crypto/tls tells its peers.
				require.NoError(t, raw.SetReadDeadline(time.Now().Add(10*time.Second)))
				_, err = gc.Read(make([]byte, 1))
				require.ErrorContains(t, err, "remote error: tls:")
			}
		})
	}
}

// waitInGo waits (bounded) for c's handshake, run by a concurrent Read, to finish.
func waitInGo(c *tls.Conn) bool {
	for i := 0; i < 1000 && !c.ConnectionState().HandshakeComplete; i++ {
		time.Sleep(time.Millisecond)
	}
	return tls.RecordsInGo(c)
}
