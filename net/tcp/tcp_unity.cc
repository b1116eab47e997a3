// go build only: compiles libcoro's TCP networking sources (no TLS, no DNS: no system library needed) and the
// net/tcp shim into this package. The core (io_scheduler, poll, ...) comes from package coro's unity, which is
// linked into the same binary; nothing here defines a core symbol. Bazel uses //cshim/net instead.
#include "../../third_party/libcoro/src/net/connect.cpp"
#include "../../third_party/libcoro/src/net/ip_address.cpp"
#include "../../third_party/libcoro/src/net/recv_status.cpp"
#include "../../third_party/libcoro/src/net/send_status.cpp"
#include "../../third_party/libcoro/src/net/socket.cpp"
#include "../../third_party/libcoro/src/net/tcp/client.cpp"
#include "../../third_party/libcoro/src/net/tcp/server.cpp"

#include "../../cshim/net/tcp.cc"
