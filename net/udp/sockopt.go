package udp

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/internal/netfd"
)

// Socket buffer sizes and the raw descriptor, as on *net.UDPConn. Errors are *net.OpError values ("set", or the
// RawConn method's name) wrapping net.ErrClosed or an *os.SyscallError.

// SetReadBuffer sets the size of the kernel's receive buffer (the kernel doubles it, within net.core.rmem_max).
func (p *Peer) SetReadBuffer(bytes int) error { return p.setInt(unix.SO_RCVBUF, bytes) }

// SetWriteBuffer sets the size of the kernel's send buffer (doubled likewise, within net.core.wmem_max).
func (p *Peer) SetWriteBuffer(bytes int) error { return p.setInt(unix.SO_SNDBUF, bytes) }

// SyscallConn gives access to the descriptor: Control runs while the Peer holds it open; Read and Write take the
// Peer's read or write side (serialised with ReadFrom and WriteTo) and honour its deadlines.
func (p *Peer) SyscallConn() (syscall.RawConn, error) {
	return netfd.NewRawConn(p.file(), true, func(op string, err error) error {
		return newOpError(op, nil, p.LocalAddr(), err)
	})
}

func (p *Peer) setInt(opt, value int) error {
	err := p.file().Control(func(fd int) error {
		return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, value))
	})
	if err != nil {
		return newOpError("set", nil, p.LocalAddr(), err)
	}
	return nil
}
