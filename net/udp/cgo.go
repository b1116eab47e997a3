package udp

// The shim (cshim/net/udp.cc) is compiled by cgo from udp_unity.cc; libcoro's networking sources come from
// net/internal/netcore, the core from package coro. Bazel compiles the same sources as //cshim/net:udp.

// #cgo CFLAGS: -I${SRCDIR}/../..
// #cgo CXXFLAGS: -std=c++20 -O2 -DLIBCORO_FEATURE_NETWORKING -I${SRCDIR}/../.. -I${SRCDIR}/../../third_party/libcoro/include
// #cgo LDFLAGS: -lstdc++ -lpthread
import "C"

import _ "github.com/gocoro/gocoro/net/internal/netcore" // libcoro's networking sources
