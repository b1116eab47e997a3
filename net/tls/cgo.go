package tls

// The C functions this package calls (cshim/net/tls.h over OpenSSL, and cshim/net/tcp.h, which internal/native/tls
// brings in through internal/native) are declared by headers included from internal/native/include (generated copies
// of cshim's) and defined by package internal/native/tls (go build compiles gocoro's C++ in internal/native and its
// sub-packages only); package native's doc describes the layout and how to regenerate after editing C++.

// #cgo CFLAGS: -I${SRCDIR}/../../internal/native/include
import "C"

import _ "github.com/gocoro/gocoro/internal/native/tls" // defines the gocoro_* functions this package calls
