package servertls

// The C functions this package calls are declared by headers included from internal/native/include (generated
// copies of cshim's) and defined by package internal/native/tls (OpenSSL) and internal/native (the server loop).

// #cgo CFLAGS: -I${SRCDIR}/../../../internal/native/include
import "C"

import _ "github.com/gocoro/gocoro/internal/native/tls" // defines gocoro_server_tls_openssl (and links OpenSSL)
