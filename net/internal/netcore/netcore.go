// Package netcore compiles libcoro's networking sources that every socket package shares (ip_address, socket,
// connect/recv/send status, tcp client/server, udp peer) exactly once into a Go binary: net/tcp, net/udp,
// net/tls and net/server import it for its side effect, so a program using several of them links one copy.
// TLS and DNS live in their own packages because they need system libraries (OpenSSL, c-ares).
package netcore

// #cgo CXXFLAGS: -std=c++20 -O2 -DLIBCORO_FEATURE_NETWORKING -I${SRCDIR}/../../../third_party/libcoro/include
// #cgo LDFLAGS: -lstdc++
import "C"
