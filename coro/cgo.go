package coro

// The C++ core and the shim are compiled by cgo from libcoro_unity.cc (go build needs no system library
// beyond libc and libstdc++). Bazel compiles the same sources as cc_library targets instead.

// #cgo CFLAGS: -I${SRCDIR}/..
// #cgo CXXFLAGS: -std=c++20 -O2 -I${SRCDIR}/.. -I${SRCDIR}/../third_party/libcoro/include
// #cgo LDFLAGS: -lstdc++ -lpthread
import "C"
