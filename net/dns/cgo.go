package dns

// libcoro's DNS sources (third_party/libcoro/src/net/dns) and the shim (cshim/net/dns.cc) are compiled by cgo
// from dns_unity.cc and linked with c-ares (Debian libc-ares-dev), so only programs that import this package need
// c-ares. The rest of libcoro's networking comes from net/internal/netcore, the core from package coro. Bazel
// compiles the same sources as //cshim/net:dns over //third_party/libcoro:libcoro_dns.

// #cgo CFLAGS: -I${SRCDIR}/../..
// #cgo CXXFLAGS: -std=c++20 -O2 -DLIBCORO_FEATURE_NETWORKING -I${SRCDIR}/../.. -I${SRCDIR}/../../third_party/libcoro/include
// #cgo LDFLAGS: -lcares -lstdc++ -lpthread
import "C"

import _ "github.com/gocoro/gocoro/net/internal/netcore" // libcoro's networking sources
