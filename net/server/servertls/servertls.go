// Package servertls links TLS (OpenSSL) into the C++ loop of package net/server: import it for its side effect,
//
//	import _ "github.com/gocoro/gocoro/net/server/servertls"
//
// and servers started with server.Options.TLS terminate TLS in their loop (see net/server's package doc). Without
// it Serve refuses Options.TLS with server.ErrTLSNotLinked, and a program that never serves TLS does not link
// OpenSSL (libssl, libcrypto; Debian's libssl-dev at build time), as database/sql drivers and image formats are
// linked in only when imported.
package servertls

/*
#include "cshim/net/server_tls.h"
*/
import "C"

func init() {
	C.gocoro_server_install_tls(C.gocoro_server_tls_openssl())
}
