//go:build !libcoro_external

package main

// libcoro's headers: gocoro's embedded core.

// #cgo CXXFLAGS: -I${SRCDIR}/../../third_party/libcoro/include
import "C"
