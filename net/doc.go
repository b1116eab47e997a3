// Package net is the root of gocoro's networking packages, one per area, all tied to a coro.IOScheduler (Go
// callers of net/tcp, net/udp and net/tls wait for their sockets in Go's runtime poller; the native code runs on
// the scheduler's epoll loop): net/tcp (net.Conn/net.Listener), net/udp (net.PacketConn), net/tls (OpenSSL), net/dns (c-ares),
// net/ip (coro::net::ip_address) and net/server (accept/read/write loops in C++: built-in, user C++ or Go
// handlers). Only net/tls and net/dns need a system library, so importing package coro or the other packages
// never does. This package itself holds only documentation.
package net
