// libcoro v0.16 scenarios with no Go counterpart: they test C++ language machinery or C++-internal helpers that
// the Go API has no equivalent of. Each note says why; tests/PARITY.md shows them.
package gotest

// parity-note: "invoke no captures": C++-only: coro::invoke keeps a callable alive for the coroutine it starts (a lambda coroutine's captures live in the lambda object, not in the frame); a Go closure's captures are kept alive by the garbage collector, so there is nothing to invoke through.
// parity-note: "invoke captures": C++-only: coro::invoke keeps the lambda's by-value captures alive after the lambda object goes out of scope; Go closures cannot outlive their captures.
// parity-note: "invoke captures in coroutine context": C++-only: as "invoke captures", inside a task on a thread pool; Go closures cannot outlive their captures.
// parity-note: "invoke co_await coro::invoke": C++-only: as "invoke captures", awaiting the invoked task directly; Go closures cannot outlive their captures.
// parity-note: "mutable_buffer": C++-only: a compile-time concept check (static_assert) on buffer types; Go's I/O takes []byte.
// parity-note: "const_buffer": C++-only: a compile-time concept check (static_assert) on buffer types; Go's I/O takes []byte.
// parity-note: "Mapping native codes": C++-only: make_io_status_from_native maps errno to the io_status enum; net/tcp and net/udp return *net.OpError wrapping the unix.Errno itself (errors.Is(err, unix.ECONNREFUSED)), io.EOF for a closed peer and os.ErrDeadlineExceeded for a timeout, so there is no status enum to map to.
// parity-note: "Mapping poll_status": C++-only: make_io_status_from_poll_status maps poll_status to io_status, which the Go API does not have (T.Poll returns coro.PollStatus itself, Go-side I/O returns standard errors).
// parity-note: "net::socket_address": C++-only: Go addresses are the standard library's (netip.AddrPort, *net.TCPAddr, *net.UDPAddr; the IP part is net/ip.Address, tested in net_ip_test.go); there is no sockaddr wrapper type.
// parity-note: "hello world": C++-only: detail::pipe_t is an internal helper of the C++ core, in neither the C ABI nor the Go API.
// parity-note: "pass pointer": C++-only: detail::pipe_t is an internal helper of the C++ core, in neither the C ABI nor the Go API.
// parity-note: "pass pointers": C++-only: detail::pipe_t is an internal helper of the C++ core, in neither the C ABI nor the Go API.
