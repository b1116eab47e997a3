//go:build libcoro_external

package tls

// See internal/native/native_external.go: with the libcoro_external build tag the TLS part of the user's libcoro
// is linked instead of compiled here.

// #cgo pkg-config: libcoro
import "C"
