// go build only: the net/tcp shim. libcoro's networking sources come from net/internal/netcore and the core from
// package coro (both linked into the same binary); nothing here defines their symbols. Bazel uses //cshim/net.
#include "../../cshim/net/tcp.cc"
