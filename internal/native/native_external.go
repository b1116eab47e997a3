//go:build libcoro_external

package native

// With the libcoro_external build tag, this package compiles only the shim (core_external.cc, net_external.cc)
// and links the libcoro installed on the machine, found by pkg-config (libcoro.pc, as upstream's CMake install
// writes it; PKG_CONFIG_PATH=<prefix>/lib/pkgconfig when the prefix is not a system one). Without a libcoro.pc,
// set PKG_CONFIG=true (so that this line adds nothing) and pass the flags yourself:
// CGO_CPPFLAGS="-I<prefix>/include" CGO_LDFLAGS="-L<prefix>/lib -lcoro". README: "Using your own libcoro".

// #cgo pkg-config: libcoro
import "C"
