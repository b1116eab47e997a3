package server

import "net"

// newOpError wraps err in a *net.OpError naming the operation and the addresses, as Go's net package does: src is
// the local end of a connection (nil for a listener's own errors), addr the listening address or the peer.
func newOpError(op string, src, addr net.Addr, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: src, Addr: addr, Err: err}
}
