package server

// The C functions this package calls (cshim/net/server.h) are declared by headers included from
// internal/native/include (generated copies of cshim's) and defined by package internal/native (go build compiles
// gocoro's C++ in internal/native and its sub-packages only); package native's doc describes the layout and how to
// regenerate after editing C++.

// #cgo CFLAGS: -I${SRCDIR}/../../internal/native/include
import "C"

import _ "github.com/gocoro/gocoro/internal/native" // defines the gocoro_* functions this package calls
