// Package net is the root of gocoro's networking packages, one per area so that importing package coro
// needs no system library: net/tcp and net/udp (sockets on the io_scheduler's epoll loop), net/tls
// (OpenSSL) and net/dns (c-ares). This package itself holds only documentation.
package net
