package udp_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/udp"
)

// Two peers bound to loopback exchange one datagram.
func Example() {
	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	a, err := udp.Listen(ctx, s, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	b, err := udp.Listen(ctx, s, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	to := netip.MustParseAddrPort(b.LocalAddr().String())
	if _, err := a.WriteToContext(ctx, []byte("ping"), to); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 64)
	n, from, err := b.ReadFromContext(ctx, buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s from a: %v\n", buf[:n], from.String() == a.LocalAddr().String())
	// Output: ping from a: true
}
