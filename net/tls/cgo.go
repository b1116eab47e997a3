package tls

// The shim (cshim/net/tls.cc, tls_unity.cc) and libcoro's TLS sources (libcoro_tls_unity.cc, separate translation units
// because both define file-local helpers) are compiled by cgo here, so only programs importing this package link
// OpenSSL. libcoro's shared networking sources come from net/internal/netcore, the socket calls of
// cshim/net/tcp.h from package net/tcp, the core from package coro. Bazel compiles the same sources as the
// //cshim/net:tls cc_library instead.

// #cgo CFLAGS: -I${SRCDIR}/../..
// #cgo CXXFLAGS: -std=c++20 -O2 -DLIBCORO_FEATURE_NETWORKING -DLIBCORO_FEATURE_TLS -I${SRCDIR}/../.. -I${SRCDIR}/../../third_party/libcoro/include
// #cgo LDFLAGS: -lssl -lcrypto -lstdc++ -lpthread
import "C"

import (
	_ "github.com/gocoro/gocoro/net/internal/netcore" // libcoro's networking sources
	_ "github.com/gocoro/gocoro/net/tcp"              // cshim/net/tcp.h: socket, connect, accept, addresses
)
