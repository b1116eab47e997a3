// Package tls compiles libcoro's TLS sources and the net/tls shim (cshim/net/tls.cc), linked with OpenSSL, for
// package net/tls; see package native for the layout and how to regenerate the amalgamations here.
package tls

import _ "github.com/gocoro/gocoro/internal/native" // the core and the socket calls the TLS code uses
