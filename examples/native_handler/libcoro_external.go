//go:build libcoro_external

package main

// libcoro's headers: the user's installed libcoro, as for internal/native (README "Using your own libcoro").

// #cgo pkg-config: libcoro
import "C"
