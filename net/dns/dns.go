// Package dns resolves host names with libcoro's coro::net::dns::resolver<coro::io_scheduler>, which drives
// c-ares on a coro.IOScheduler: the hosts file first, then the DNS servers of /etc/resolv.conf.
//
//	r, _ := dns.NewResolver(s, 5*time.Second)
//	defer r.Close()
//	addrs, err := r.LookupHost(ctx, "localhost") // [127.0.0.1 ::1] here
//	if errors.Is(err, dns.ErrNotFound) { ... }
//
// Threads: each lookup is a native C++ coroutine (host_by_name) spawned on the IOScheduler. c-ares's sockets are
// polled by the scheduler's epoll loop and c-ares itself runs on the scheduler's threads; no scheduler thread runs
// Go code. The calling goroutine just waits on a channel (it holds no OS thread) until the coroutine's result
// arrives through the core's completion queue. The scheduler's event loop must be running (the default
// SpawnThread strategy, or ProcessEvents being called).
//
// Concurrency: a Resolver may be used from any number of goroutines; like libcoro's resolver it runs one lookup
// at a time, the others wait their turn. Use several Resolvers for parallel lookups.
//
// Lifetime: cancelling ctx makes LookupHost return at once; the native lookup it started still runs to its end —
// bounded by the resolver's timeout — and then frees everything it used. Close makes every LookupHost return at
// once and aborts the native lookups in flight (the running one and the queued ones), which then free what they
// used; it never waits. Closing the IOScheduler closes its Resolvers first, so it does not wait out their
// timeouts either.
//
// Errors are *net.DNSError values naming the host; errors.Is matches ErrNotFound, ErrTimeout, the context's error,
// or net.ErrClosed and coro.ErrClosed after Close.
package dns

/*
#include <errno.h>
#include <stdint.h>
#include "cshim/net/dns.h"

static inline gocoro_dns_result* gocoro_dns_result_of(int64_t v) { return (gocoro_dns_result*)(intptr_t)v; }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/internal/iolink"
	"github.com/gocoro/gocoro/internal/lifetime"
	"github.com/gocoro/gocoro/net/internal/argerr"
	"github.com/gocoro/gocoro/net/ip"
)

var (
	// ErrNotFound: the name has no address (c-ares answered, or gave up, before the timeout).
	ErrNotFound = errors.New("no such host")
	// ErrTimeout: the lookup used up the resolver's timeout without an address.
	ErrTimeout = errors.New("dns lookup timed out")

	errClosed = errors.Join(net.ErrClosed, coro.ErrClosed)
	// errZeroResolver is what a zero Resolver (not made by NewResolver) reports.
	errZeroResolver = fmt.Errorf("resolver not made by NewResolver: %w", coro.ErrInvalid)
)

// Resolver is a c-ares channel on an IOScheduler (libcoro's dns::resolver<io_scheduler>).
type Resolver struct {
	s       *coro.IOScheduler
	timeout time.Duration

	c          *C.gocoro_dns_resolver
	life       lifetime.Lifetime // one reference per lookup call on c; the last one after Close releases c
	unregister func()
}

// NewResolver creates a resolver whose lookups run on s and give up after timeout in total (rounded up to
// milliseconds; 0 leaves it to c-ares's own retry timeouts). It is dns::resolver<io_scheduler>{s, timeout}.
func NewResolver(s *coro.IOScheduler, timeout time.Duration) (*Resolver, error) {
	if s == nil {
		return nil, fmt.Errorf("dns: new resolver: %w", argerr.New("nil *coro.IOScheduler"))
	}
	if timeout < 0 {
		return nil, fmt.Errorf("dns: new resolver: %w", argerr.New("negative timeout "+timeout.String()))
	}
	ptr, release, err := iolink.Acquire(s)
	if err != nil {
		return nil, fmt.Errorf("dns: new resolver: %w", err)
	}
	defer release()
	ms := (timeout + time.Millisecond - 1) / time.Millisecond
	var c *C.gocoro_dns_resolver
	if rc := C.gocoro_dns_resolver_create((*C.gocoro_io_scheduler)(ptr), C.int64_t(ms), &c); rc != 0 {
		err := error(unix.Errno(-rc))
		if unix.Errno(-rc) == unix.EIO {
			err = errors.New("c-ares could not be initialised")
		}
		return nil, fmt.Errorf("dns: new resolver: %w", err)
	}
	r := &Resolver{s: s, timeout: timeout, c: c}
	r.life.Init(func() { C.gocoro_dns_resolver_release(c) })
	unregister, err := iolink.OnClose(s, func() { r.Close() })
	if err != nil {
		C.gocoro_dns_resolver_release(c)
		return nil, fmt.Errorf("dns: new resolver: %w", err)
	}
	r.unregister = unregister
	return r, nil
}

// Close releases the resolver. Goroutines in LookupHost return an error matching net.ErrClosed at once, and the
// native lookups are aborted (they finish in the background without waiting for their timeout). Later lookups fail
// the same way. A second Close does nothing.
func (r *Resolver) Close() error {
	if r.life.Close() {
		r.unregister()
	}
	return nil
}

// lookup is one native lookup's rendezvous with its goroutine; the goroutine may have given up (abandoned), then
// the result is freed where it arrives.
type lookup struct {
	mu        sync.Mutex
	abandoned bool
	ch        chan *C.gocoro_dns_result
	release   func()
}

// complete runs on the completion goroutine when the native lookup has finished.
func (l *lookup) complete(v int64) {
	res := C.gocoro_dns_result_of(C.int64_t(v))
	l.release()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.abandoned {
		C.gocoro_dns_result_free(res)
		return
	}
	l.ch <- res
}

// abandon gives the result up unless it has arrived already, which it then returns.
func (l *lookup) abandon() *C.gocoro_dns_result {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case res := <-l.ch:
		return res
	default:
		l.abandoned = true
		return nil
	}
}

func dnsError(name string, err error) error {
	e := &net.DNSError{Err: err.Error(), Name: name, UnwrapErr: err}
	switch {
	case err == ErrNotFound:
		e.IsNotFound = true
	case err == ErrTimeout || errors.Is(err, context.DeadlineExceeded):
		e.IsTimeout = true
	case err == errClosed:
		e.Err = "resolver closed"
	}
	return e
}

// LookupHost resolves name (host_by_name) to its IPv4 and IPv6 addresses, in the order libcoro's resolver reports
// them (the IPv4 lookup's first when both answer), without duplicates. ctx bounds the wait: when it ends first the
// error wraps ctx.Err().
func (r *Resolver) LookupHost(ctx context.Context, name string) ([]ip.Address, error) {
	if err := ctx.Err(); err != nil {
		return nil, dnsError(name, err)
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return nil, dnsError(name, ErrNotFound)
	}
	if r.s == nil {
		return nil, dnsError(name, errZeroResolver)
	}
	_, release, err := iolink.Acquire(r.s)
	if err != nil {
		return nil, dnsError(name, errClosed)
	}
	l := &lookup{ch: make(chan *C.gocoro_dns_result, 1), release: release}
	if !r.life.Enter() {
		release()
		return nil, dnsError(name, errClosed)
	}
	h := iolink.NewCompletion(r.s, l.complete)
	rc := C.gocoro_dns_lookup(r.c, (*C.char)(unsafe.Pointer(unsafe.StringData(name))), C.size_t(len(name)), C.uintptr_t(h))
	r.life.Exit()
	if rc != 0 {
		iolink.DiscardCompletion(h)
		release()
		if unix.Errno(-rc) == unix.ESHUTDOWN {
			return nil, dnsError(name, errClosed)
		}
		return nil, dnsError(name, os.NewSyscallError("lookup", unix.Errno(-rc)))
	}
	var res *C.gocoro_dns_result
	select {
	case res = <-l.ch:
	case <-ctx.Done():
		if res = l.abandon(); res == nil {
			return nil, dnsError(name, ctx.Err())
		}
	case <-r.life.Closing():
		if res = l.abandon(); res == nil {
			return nil, dnsError(name, errClosed)
		}
	}
	return result(name, res)
}

// result converts (and frees) a native result.
func result(name string, res *C.gocoro_dns_result) ([]ip.Address, error) {
	if res == nil {
		return nil, dnsError(name, os.NewSyscallError("lookup", unix.ENOMEM))
	}
	defer C.gocoro_dns_result_free(res)
	switch res.status {
	case C.GOCORO_DNS_COMPLETE:
	case C.GOCORO_DNS_NOT_FOUND:
		return nil, dnsError(name, ErrNotFound)
	case C.GOCORO_DNS_TIMEOUT:
		return nil, dnsError(name, ErrTimeout)
	case -C.ECANCELED: // the resolver was closed
		return nil, dnsError(name, errClosed)
	default:
		return nil, dnsError(name, os.NewSyscallError("lookup", unix.Errno(-res.status)))
	}
	out := make([]ip.Address, 0, int(res.count))
	for _, a := range unsafe.Slice(res.addresses, int(res.count)) {
		b := (*[16]byte)(unsafe.Pointer(&a.bytes[0]))
		na := netip.AddrFrom16(*b)
		if a.domain != C.int32_t(ip.IPv6) {
			na = netip.AddrFrom4([4]byte(b[:4]))
		}
		addr, err := ip.FromNetIP(na)
		if err != nil {
			return nil, dnsError(name, err)
		}
		if !slices.Contains(out, addr) { // c-ares answers an IPv4 literal for both families
			out = append(out, addr)
		}
	}
	return out, nil
}

// LookupNetIP is LookupHost returning netip.Addr values.
func (r *Resolver) LookupNetIP(ctx context.Context, name string) ([]netip.Addr, error) {
	addrs, err := r.LookupHost(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		out[i] = a.NetIP()
	}
	return out, nil
}

// setServers makes r query csv ("ip:port,...") instead of /etc/resolv.conf's servers (tests: a local server).
func (r *Resolver) setServers(csv string) error {
	if !r.life.Enter() {
		return errClosed
	}
	defer r.life.Exit()
	if rc := C.gocoro_dns_resolver_set_servers(r.c, (*C.char)(unsafe.Pointer(unsafe.StringData(csv))), C.size_t(len(csv))); rc != 0 {
		return unix.Errno(-rc)
	}
	return nil
}

// Timeout returns the resolver's total lookup timeout.
func (r *Resolver) Timeout() time.Duration { return r.timeout }
