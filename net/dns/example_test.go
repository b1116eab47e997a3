package dns_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/dns"
)

// Resolving a name through c-ares on the IOScheduler's epoll loop ("localhost" comes from /etc/hosts, so this
// needs no network).
func ExampleResolver_LookupHost() {
	ctx := context.Background()
	s, err := coro.NewIOScheduler(coro.IOSchedulerOptions{Pool: coro.ThreadPoolOptions{ThreadCount: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	r, err := dns.NewResolver(s, 5*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	addrs, err := r.LookupHost(ctx, "localhost")
	if err != nil {
		log.Fatal(err)
	}
	loopback := len(addrs) > 0
	for _, a := range addrs {
		loopback = loopback && a.NetIP().IsLoopback()
	}
	fmt.Println("localhost is loopback:", loopback)
	// Output: localhost is loopback: true
}
