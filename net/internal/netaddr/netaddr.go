// Package netaddr parses the "host:port" addresses every gocoro net package accepts, so they all accept and
// reject the same text with the same errors.
package netaddr

import (
	"net"
	"net/netip"
	"strconv"
)

// Split parses "host:port" where host is an IPv4 or IPv6 literal, "localhost" (127.0.0.1) or empty (the
// unspecified address 0.0.0.0 to listen on, loopback 127.0.0.1 to dial). It returns the address as a canonical
// IP literal (IPv4-mapped IPv6 unmapped), the port, and name: the host as written ("localhost" stays
// "localhost"; an empty host becomes the literal), which TLS checks certificates against. Errors are
// *net.AddrError values or net.SplitHostPort's.
func Split(address string, dial bool) (ip string, port uint16, name string, err error) {
	if address == "" {
		return "", 0, "", &net.AddrError{Err: "missing address", Addr: address}
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, "", err
	}
	p, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return "", 0, "", &net.AddrError{Err: "invalid port", Addr: address}
	}
	name = host
	switch host {
	case "":
		host = "0.0.0.0"
		if dial {
			host = "127.0.0.1"
		}
		name = host
	case "localhost":
		host = "127.0.0.1"
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return "", 0, "", &net.AddrError{Err: "invalid IP address (an IPv4 or IPv6 literal is required)", Addr: host}
	}
	return a.Unmap().String(), uint16(p), name, nil
}
