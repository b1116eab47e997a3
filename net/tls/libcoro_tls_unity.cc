// go build only: libcoro's TLS sources (coro::net::tls::context and friends), compiled with OpenSSL in this
// package so that the rest of gocoro never needs it. Bazel uses //third_party/libcoro:libcoro_tls.
#include "../../third_party/libcoro/src/net/tls/client.cpp"
#include "../../third_party/libcoro/src/net/tls/connection_status.cpp"
#include "../../third_party/libcoro/src/net/tls/context.cpp"
#include "../../third_party/libcoro/src/net/tls/recv_status.cpp"
#include "../../third_party/libcoro/src/net/tls/send_status.cpp"
#include "../../third_party/libcoro/src/net/tls/server.cpp"
