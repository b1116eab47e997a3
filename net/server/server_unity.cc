// go build only: the net/server shim. libcoro's TCP sources come from package net/tcp, the core from package coro
// (see cgo.go). Bazel uses //cshim/net:server instead.
#include "../../cshim/net/server.cc"
