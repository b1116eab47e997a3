// Package dns compiles libcoro's c-ares resolver and the net/dns shim (cshim/net/dns.cc), linked with c-ares, for
// package net/dns; see package native for the layout and how to regenerate the amalgamation here.
package dns

import _ "github.com/gocoro/gocoro/internal/native" // the core the resolver runs on
