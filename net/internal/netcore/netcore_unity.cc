// go build only: libcoro's networking sources without TLS and DNS (no system library needed). The core
// (io_scheduler, poll, ...) comes from package coro's unity. Bazel uses //third_party/libcoro:libcoro_net instead.
#include "../../../third_party/libcoro/src/net/connect.cpp"
#include "../../../third_party/libcoro/src/net/ip_address.cpp"
#include "../../../third_party/libcoro/src/net/recv_status.cpp"
#include "../../../third_party/libcoro/src/net/send_status.cpp"
#include "../../../third_party/libcoro/src/net/socket.cpp"
#include "../../../third_party/libcoro/src/net/tcp/client.cpp"
#include "../../../third_party/libcoro/src/net/tcp/server.cpp"
#include "../../../third_party/libcoro/src/net/udp/peer.cpp"
