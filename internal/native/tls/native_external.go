//go:build libcoro_external

package tls

// See internal/native/native_external.go: with the libcoro_external build tag the TLS part of the user's libcoro
// is linked instead of compiled here.
// openssl comes after libcoro on the link line (libcoro.a needs it; pkg-config's flags follow every #cgo LDFLAGS).

// #cgo pkg-config: libcoro openssl
import "C"
