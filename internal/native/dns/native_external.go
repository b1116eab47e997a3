//go:build libcoro_external

package dns

// See internal/native/native_external.go: with the libcoro_external build tag the DNS part of the user's libcoro
// is linked instead of compiled here.
// libcares comes after libcoro on the link line (libcoro.a needs it; pkg-config's flags follow every #cgo LDFLAGS).

// #cgo pkg-config: libcoro libcares
import "C"
