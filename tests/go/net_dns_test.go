// Parity scenario 107 (test/net/test_dns_resolver.cpp) through package net/dns. Upstream resolves www.example.com
// and asserts nothing about the answer; to be meaningful offline this test resolves "localhost" (answered by
// c-ares from /etc/hosts) and requires a loopback address, then makes the upstream-shaped lookup and only requires
// a prompt answer either way. The task that awaits host_by_name becomes a goroutine waiting in LookupHost.
package gotest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/dns"
	"github.com/gocoro/gocoro/net/ip"
)

func TestNetDNSResolver(t *testing.T) {
	t.Run("dns_resolver basic", func(t *testing.T) {
		s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
		require.NoError(t, err)
		const timeout = 5000 * time.Millisecond
		r, err := dns.NewResolver(s, timeout)
		require.NoError(t, err)
		ctx := context.Background()

		addrs, err := r.LookupHost(ctx, "localhost") // status() == complete
		require.NoError(t, err)
		for _, a := range addrs {
			t.Logf("    %v", a)
		}
		require.True(t, func() bool {
			for _, a := range addrs {
				if a == ip.MustParse("127.0.0.1") || a == ip.MustParse("::1") {
					return true
				}
			}
			return false
		}(), "no loopback address in %v", addrs)

		start := time.Now()
		addrs, err = r.LookupHost(ctx, "www.example.com")
		if err != nil { // offline: no address, promptly or at the resolver's timeout
			t.Logf("    www.example.com: %v", err)
			require.True(t, errors.Is(err, dns.ErrNotFound) || errors.Is(err, dns.ErrTimeout), "%v", err)
		} else {
			require.NotEmpty(t, addrs)
			t.Logf("    www.example.com: %v", addrs)
		}
		require.Less(t, time.Since(start), timeout+2*time.Second)

		require.NoError(t, r.Close())
		shutdownEmpty(t, s)
	})
}
