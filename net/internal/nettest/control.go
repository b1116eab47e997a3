// Package nettest holds what the tests of several net packages share.
package nettest

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// ControlCall records a call of a Control hook: its arguments, and what the RawConn's Read returned (a hook's
// RawConn supports only Control).
type ControlCall struct {
	Network, Address string
	ReadErr          error
}

// ReusePortControl returns a Control hook that sets SO_REUSEPORT on the socket and records the call in call.
func ReusePortControl(call *ControlCall) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		call.Network, call.Address = network, address
		call.ReadErr = c.Read(func(uintptr) bool { return true })
		var err error
		if cerr := c.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) }); cerr != nil {
			return cerr
		}
		return err
	}
}
