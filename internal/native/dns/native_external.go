//go:build libcoro_external

package dns

// See internal/native/native_external.go: with the libcoro_external build tag the DNS part of the user's libcoro
// is linked instead of compiled here.

// #cgo pkg-config: libcoro
import "C"
