//go:build !cgo

// This file is compiled only when cgo is off (CGO_ENABLED=0, or no C compiler found by the go command, as when
// cross-compiling). The package is C++ underneath, so it cannot work without cgo; instead of a page of
// "undefined:" errors from the files that need cgo, the build stops at the one line below, whose name says what
// to do:
//
//	gocoro needs cgo and a C++20 compiler: build with CGO_ENABLED=1 and g++ >= 12 or clang++ >= 14 installed
//	(CC/CXX pick the compiler; see "Use gocoro in your module" in README.md).

package servertls

var _ = gocoro_needs_cgo_and_a_CXX20_compiler__set_CGO_ENABLED_1_and_install_gxx_or_clangxx
