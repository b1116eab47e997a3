package server

// server_unity.cc compiles only the server shim (cshim/net/server.cc) into this package. libcoro's TCP sources come
// from package net/tcp (imported below for that reason) and the core from package coro, so a binary importing coro,
// net/tcp, net/server and a user's handler package defines every symbol exactly once. Bazel compiles the same
// source as the //cshim/net:server cc_library instead.

// #cgo CFLAGS: -I${SRCDIR}/../..
// #cgo CXXFLAGS: -std=c++20 -O2 -DLIBCORO_FEATURE_NETWORKING -I${SRCDIR}/../.. -I${SRCDIR}/../../third_party/libcoro/include
// #cgo LDFLAGS: -lstdc++ -lpthread
import "C"

import _ "github.com/gocoro/gocoro/net/tcp" // libcoro's net sources (ip_address, socket, tcp client)
