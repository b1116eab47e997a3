package dns_test

import (
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/dns"
)

// FuzzAnswer feeds c-ares fuzzed DNS answers through a loopback server the resolver is pointed at: the reply
// carries the query's id and question (so c-ares does not drop it as foreign), then fuzzed flags, answer count and
// answer bytes. Whatever the bytes, a lookup must return (an error or addresses of the right size), never crash or
// hang, and leave no handle behind.
func FuzzAnswer(f *testing.F) {
	// flags (2 bytes), answer count, answer section.
	f.Add([]byte{0x81, 0x80, 1,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1}) // one A record, name by pointer
	f.Add([]byte{0x81, 0x80, 1,
		0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) // one AAAA
	f.Add([]byte{0x81, 0x83, 0})                                                        // NXDOMAIN
	f.Add([]byte{0x81, 0x80, 2, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10})         // truncated record
	f.Add([]byte{0x81, 0x80, 1, 0xc0, 0x0e, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 0x0c}) // CNAME loop
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, answer []byte) {
		before := coro.LiveHandles()
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		defer s.Close()
		r, err := dns.NewResolver(s, 300*time.Millisecond)
		require.NoError(t, err)
		defer r.Close()
		useServers(t, s, r, answeringServer(t, answer))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		addrs, err := r.LookupHost(ctx, "fuzz.example")
		require.NoError(t, ctx.Err(), "the lookup did not end within its timeout")
		if err == nil {
			for _, a := range addrs {
				require.True(t, a.Len() == 4 || a.Len() == 16, "address %v", a)
			}
		}
		require.NoError(t, r.Close())
		require.NoError(t, s.Close())
		require.Eventually(t, func() bool { return coro.LiveHandles() <= before }, 5*time.Second, time.Millisecond,
			"handles left: %d before, %d after", before, coro.LiveHandles())
	})
}

// answeringServer answers every query with the query's id and question followed by answer: its first two bytes
// are the flags, the third the answer count, the rest the answer section (missing bytes are zero).
func answeringServer(t *testing.T, answer []byte) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			q := buf[:n]
			if len(q) < 12 {
				continue
			}
			end := questionEnd(q)
			head := make([]byte, 12)
			copy(head, q[:2])
			copy(head[2:4], answer)
			head[2] |= 0x80 // a response
			binary.BigEndian.PutUint16(head[4:], 1)
			if len(answer) > 2 {
				binary.BigEndian.PutUint16(head[6:], uint16(answer[2]))
			}
			reply := append(append(head, q[12:end]...), tail(answer, 3)...)
			_, _ = pc.WriteTo(reply, from)
		}
	}()
	return pc.LocalAddr().String()
}

// questionEnd returns where the query's (single) question ends: its name's labels, then type and class.
func questionEnd(q []byte) int {
	i := 12
	for i < len(q) && q[i] != 0 {
		i += int(q[i]) + 1
	}
	return min(i+5, len(q))
}

func tail(b []byte, from int) []byte {
	if len(b) <= from {
		return nil
	}
	return b[from:]
}

// The fuzzer's injection point works: a well-formed A record from answeringServer reaches the lookup's result.
func TestAnsweringServerInjects(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	require.NoError(t, err)
	defer s.Close()
	r, err := dns.NewResolver(s, time.Second)
	require.NoError(t, err)
	defer r.Close()
	useServers(t, s, r, answeringServer(t, []byte{0x81, 0x80, 1,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3}))
	addrs, err := r.LookupHost(context.Background(), "fuzz.example")
	require.NoError(t, err)
	require.NotEmpty(t, addrs)
	require.Equal(t, "10.1.2.3", addrs[0].String())
}
