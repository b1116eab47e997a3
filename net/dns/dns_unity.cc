// go build only: libcoro's c-ares resolver and the net/dns shim. The other networking sources come from
// net/internal/netcore and the core from package coro. Bazel uses //cshim/net:dns (over libcoro_dns) instead.
#include "../../third_party/libcoro/src/net/dns/resolver.cpp"
#include "../../cshim/net/dns.cc"
