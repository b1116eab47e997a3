#pragma once
// Network [benchmark] workloads B11-B13 of the parity spec (suite "net" of bench.cpp): 100 connections x
// 1,000 echo round trips of a 36-byte message over loopback (servers bind a kernel-chosen port).

#include <chrono>
#include <cstdint>

namespace gocoro_bench
{
/// bench.cpp's reporter: suite, workload, ops, elapsed.
using report_fn = void (*)(const char* suite, const char* workload, uint64_t ops, std::chrono::steady_clock::duration);

/// B11: tcp::server/tcp::client echo, server and client each on a thread-pool io_scheduler.
auto net_tcp_echo_thread_pool(report_fn report, bool quick) -> void;
/// B12: 10 inline io_schedulers with tcp::servers sharing one port (SO_REUSEPORT) + 10 inline client
/// schedulers running 10 connections each.
auto net_tcp_echo_inline(report_fn report, bool quick) -> void;
/// B13: like B11 over TLS (tls::server with a generated self-signed certificate, tls::client verify none).
auto net_tls_echo_thread_pool(report_fn report, bool quick) -> void;
/// Issue 19's socket ping-pong: one thread with an inline io_scheduler serving a fixed "200 OK" HTTP response,
/// another with its own inline io_scheduler driving 20 connections, each sending a request and reading the whole
/// response before the next; 100k requests in total.
auto net_http_pingpong(report_fn report, bool quick) -> void;
} // namespace gocoro_bench
