// go build only: the net/udp shim. libcoro's networking sources come from net/internal/netcore and the core from
// package coro (both linked into the same binary). Bazel uses //cshim/net:udp.
#include "../../cshim/net/udp.cc"
