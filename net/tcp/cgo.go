package tcp

// The TCP sources of libcoro and the shim (cshim/net) are compiled by cgo from tcp_unity.cc; the core comes from
// package coro. Bazel compiles the same sources as the //cshim/net cc_library instead.

// #cgo CFLAGS: -I${SRCDIR}/../..
// #cgo CXXFLAGS: -std=c++20 -O2 -DLIBCORO_FEATURE_NETWORKING -I${SRCDIR}/../.. -I${SRCDIR}/../../third_party/libcoro/include
// #cgo LDFLAGS: -lstdc++ -lpthread
import "C"
