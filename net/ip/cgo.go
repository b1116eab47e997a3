package ip

// The shim (cshim/net/ip_address.cc) is compiled by cgo from ip_unity.cc; libcoro's ip_address.cpp comes from
// net/internal/netcore (which needs the core from package coro). Bazel compiles the same sources as the //cshim/net:ip_address cc_library.

// #cgo CFLAGS: -I${SRCDIR}/../..
// #cgo CXXFLAGS: -std=c++20 -O2 -DLIBCORO_FEATURE_NETWORKING -I${SRCDIR}/../.. -I${SRCDIR}/../../third_party/libcoro/include
// #cgo LDFLAGS: -lstdc++
import "C"

import (
	_ "github.com/gocoro/gocoro/coro"                 // the core netcore's sources link against
	_ "github.com/gocoro/gocoro/net/internal/netcore" // libcoro's ip_address.cpp
)
