package dns_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/leakcheck"
	"github.com/gocoro/gocoro/net/dns"
	"github.com/gocoro/gocoro/net/ip"
)

func TestMain(m *testing.M) { leakcheck.Main(m, 10*time.Second, nil) }

// useServers points r at the test's DNS server csv, or closes r and s and skips the test where that cannot be
// done: upstream libcoro's resolver (build tag libcoro_external) keeps its c-ares channel private and has no call to
// change servers, so it always asks /etc/resolv.conf's.
func useServers(t *testing.T, s *coro.IOScheduler, r *dns.Resolver, csv string) {
	t.Helper()
	err := dns.SetServers(r, csv)
	if errors.Is(err, errors.ErrUnsupported) {
		require.NoError(t, r.Close())
		require.NoError(t, s.Close())
		t.Skip("needs a local DNS server, and this libcoro's resolver cannot be pointed at one:", err)
	}
	require.NoError(t, err)
}

func newScheduler(t *testing.T, opts coro.IOSchedulerOptions) *coro.IOScheduler {
	t.Helper()
	s, err := coro.NewIOScheduler(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func newResolver(t *testing.T, s *coro.IOScheduler, timeout time.Duration) *dns.Resolver {
	t.Helper()
	r, err := dns.NewResolver(s, timeout)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func hasLoopback(addrs []ip.Address) bool {
	for _, a := range addrs {
		if a == ip.MustParse("127.0.0.1") || a == ip.MustParse("::1") {
			return true
		}
	}
	return false
}

func TestLocalhost(t *testing.T) {
	s := newScheduler(t, coro.IOSchedulerOptions{})
	r := newResolver(t, s, 5*time.Second)
	addrs, err := r.LookupHost(context.Background(), "localhost")
	require.NoError(t, err)
	require.True(t, hasLoopback(addrs), "%v", addrs)
	nips, err := r.LookupNetIP(context.Background(), "localhost")
	require.NoError(t, err)
	require.Len(t, nips, len(addrs))
	require.Contains(t, nips, addrs[0].NetIP())
	require.Equal(t, 5*time.Second, r.Timeout())
}

func TestLiteral(t *testing.T) {
	s := newScheduler(t, coro.IOSchedulerOptions{})
	r := newResolver(t, s, time.Second)
	addrs, err := r.LookupHost(context.Background(), "127.0.0.1")
	require.NoError(t, err)
	require.Equal(t, []ip.Address{ip.MustParse("127.0.0.1")}, addrs) // no duplicate from the IPv6 lookup
	nips, err := r.LookupNetIP(context.Background(), "::1")
	require.NoError(t, err)
	require.Equal(t, []netip.Addr{netip.IPv6Loopback()}, nips)
}

func TestUnknownName(t *testing.T) {
	s := newScheduler(t, coro.IOSchedulerOptions{})
	const timeout = 2 * time.Second
	r := newResolver(t, s, timeout)
	start := time.Now()
	// .invalid never resolves (RFC 2606): offline the lookup fails at once or times out.
	_, err := r.LookupHost(context.Background(), "no-such-host.invalid")
	require.Error(t, err)
	require.Less(t, time.Since(start), timeout+2*time.Second)
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "no-such-host.invalid", de.Name)
	require.Contains(t, err.Error(), "no-such-host.invalid")
	if errors.Is(err, dns.ErrTimeout) {
		require.True(t, de.IsTimeout)
		require.True(t, de.Timeout())
	} else {
		require.ErrorIs(t, err, dns.ErrNotFound)
		require.True(t, de.IsNotFound)
	}
}

func TestBadInput(t *testing.T) {
	s := newScheduler(t, coro.IOSchedulerOptions{})
	r := newResolver(t, s, time.Second)
	for _, name := range []string{"", "local\x00host"} {
		_, err := r.LookupHost(context.Background(), name)
		require.ErrorIs(t, err, dns.ErrNotFound, "%q", name)
		var de *net.DNSError
		require.ErrorAs(t, err, &de)
		require.Equal(t, name, de.Name)
	}
	_, err := dns.NewResolver(nil, time.Second)
	require.ErrorIs(t, err, coro.ErrInvalid)
	_, err = dns.NewResolver(s, -time.Second)
	require.ErrorIs(t, err, coro.ErrInvalid)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = r.LookupHost(ctx, "localhost")
	require.ErrorIs(t, err, context.Canceled)
}

func TestConcurrentLookups(t *testing.T) {
	s := newScheduler(t, coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 2}})
	resolvers := []*dns.Resolver{newResolver(t, s, time.Second), newResolver(t, s, time.Second)}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			addrs, err := resolvers[i%2].LookupHost(context.Background(), "localhost")
			require.NoError(t, err)
			require.True(t, hasLoopback(addrs))
		}(i)
	}
	wg.Wait()
}

// drain runs a manual scheduler until the lookups it holds have finished and their handles are gone.
func drain(t *testing.T, s *coro.IOScheduler, handles int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for coro.LiveHandles() > handles && time.Now().Before(deadline) {
		_, err := s.ProcessEvents(10 * time.Millisecond)
		require.NoError(t, err)
	}
	require.Equal(t, handles, coro.LiveHandles())
}

// A manual, inline scheduler does not start the lookup's coroutine before ProcessEvents, so the lookup is
// reliably still in flight when ctx ends or the resolver closes.
func manualScheduler(t *testing.T) *coro.IOScheduler {
	return newScheduler(t, coro.IOSchedulerOptions{ThreadStrategy: coro.ManualThread, ExecutionStrategy: coro.TasksInline})
}

func TestCancelDuringLookup(t *testing.T) {
	s := manualScheduler(t)
	r := newResolver(t, s, time.Second)
	before := coro.LiveHandles()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err := r.LookupHost(ctx, "localhost")
	require.ErrorIs(t, err, context.Canceled)
	var de *net.DNSError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "localhost", de.Name)
	require.Greater(t, coro.LiveHandles(), before, "the native lookup is still in flight")
	drain(t, s, before) // it finishes natively and frees its result: nothing leaks

	// A deadline likewise; then the resolver still works.
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = r.LookupHost(ctx, "localhost")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, err.(*net.DNSError).Timeout())
	drain(t, s, before)
	done := make(chan error, 1)
	go func() {
		addrs, err := r.LookupHost(context.Background(), "localhost")
		if err == nil && !hasLoopback(addrs) {
			err = fmt.Errorf("no loopback in %v", addrs)
		}
		done <- err
	}()
	for {
		select {
		case err := <-done:
			require.NoError(t, err)
			drain(t, s, before)
			return
		default:
			_, err := s.ProcessEvents(5 * time.Millisecond)
			require.NoError(t, err)
		}
	}
}

func TestCloseDuringLookup(t *testing.T) {
	s := manualScheduler(t)
	r, err := dns.NewResolver(s, time.Second)
	require.NoError(t, err)
	before := coro.LiveHandles()
	const waiters = 10
	errs := make(chan error, waiters)
	for i := 0; i < waiters; i++ {
		go func() { _, err := r.LookupHost(context.Background(), "localhost"); errs <- err }()
	}
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, r.Close())
	for i := 0; i < waiters; i++ {
		select {
		case err := <-errs:
			require.ErrorIs(t, err, net.ErrClosed)
			require.ErrorIs(t, err, coro.ErrClosed)
			require.Contains(t, err.Error(), "localhost")
		case <-time.After(5 * time.Second):
			t.Fatal("LookupHost still blocked after Close")
		}
	}
	drain(t, s, before) // the aborted lookups finish natively and free the resolver
}

func TestClosed(t *testing.T) {
	s := newScheduler(t, coro.IOSchedulerOptions{})
	r, err := dns.NewResolver(s, time.Second)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close()) // a second Close does nothing
	_, err = r.LookupHost(context.Background(), "localhost")
	require.ErrorIs(t, err, net.ErrClosed)
	require.ErrorIs(t, err, coro.ErrClosed)
}

func TestSchedulerClose(t *testing.T) {
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
	require.NoError(t, err)
	r, err := dns.NewResolver(s, time.Second)
	require.NoError(t, err)
	_, err = r.LookupHost(context.Background(), "localhost")
	require.NoError(t, err)
	require.NoError(t, s.Close()) // closes the resolver first
	_, err = r.LookupHost(context.Background(), "localhost")
	require.ErrorIs(t, err, net.ErrClosed)
	require.NoError(t, r.Close())
	_, err = dns.NewResolver(s, time.Second)
	require.ErrorIs(t, err, coro.ErrClosed)
}

// silentServer is a DNS server on loopback that never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return pc.LocalAddr().String()
}

// Lookups in flight are aborted by Resolver.Close and by the scheduler's Close: neither waits for each queued
// lookup to use up its timeout against a server that never answers (10 × 1 s).
func TestCloseAbortsLookups(t *testing.T) {
	for _, closeScheduler := range []bool{false, true} {
		t.Run(fmt.Sprintf("scheduler_close=%v", closeScheduler), func(t *testing.T) {
			s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{})
			require.NoError(t, err)
			r, err := dns.NewResolver(s, time.Second)
			require.NoError(t, err)
			useServers(t, s, r, silentServer(t))
			const lookups = 10
			errs := make(chan error, lookups)
			for i := 0; i < lookups; i++ {
				go func() { _, err := r.LookupHost(context.Background(), "silent.gocoro.test"); errs <- err }()
			}
			time.Sleep(100 * time.Millisecond) // the first lookup is waiting for the server
			start := time.Now()
			if !closeScheduler {
				require.NoError(t, r.Close())
			}
			require.NoError(t, s.Close())
			elapsed := time.Since(start)
			t.Logf("Close took %v", elapsed)
			require.Less(t, elapsed, 3*time.Second, "Close waited for the lookups' timeouts")
			for i := 0; i < lookups; i++ {
				require.ErrorIs(t, <-errs, net.ErrClosed)
			}
			require.NoError(t, r.Close())
			require.Eventually(t, func() bool { return coro.LiveHandles() == 0 }, 5*time.Second, time.Millisecond)
		})
	}
}

// A zero Resolver (not made by NewResolver) reports an error instead of crashing.
func TestZeroResolver(t *testing.T) {
	var r dns.Resolver
	_, err := r.LookupHost(context.Background(), "localhost")
	require.ErrorIs(t, err, coro.ErrInvalid)
	require.NoError(t, r.Close())
}
