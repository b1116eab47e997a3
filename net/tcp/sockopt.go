package tcp

import (
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/internal/netfd"
)

// Socket options and the raw descriptor, as on *net.TCPConn (same names, units and defaults: Dial and Accept turn
// keep-alive on with a 15 s period unless a Dialer or ListenConfig says otherwise). Errors are *net.OpError values ("set", or "close" for CloseRead) wrapping net.ErrClosed or an
// *os.SyscallError.

// CloseRead shuts down the reading side: later Reads return io.EOF.
func (c *Conn) CloseRead() error {
	if err := c.file().Shutdown(unix.SHUT_RD); err != nil {
		return newOpError("close", c.file().Laddr, c.file().Raddr, err)
	}
	return nil
}

// SetNoDelay controls Nagle's algorithm; true (no delay) is the default, as in Go's net.
func (c *Conn) SetNoDelay(noDelay bool) error {
	return c.setInt(unix.IPPROTO_TCP, unix.TCP_NODELAY, boolInt(noDelay))
}

// SetKeepAlive turns TCP keep-alive probes on or off.
func (c *Conn) SetKeepAlive(keepalive bool) error {
	return c.setInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, boolInt(keepalive))
}

// SetKeepAlivePeriod sets how long the connection stays idle before the first keep-alive probe (rounded up to
// whole seconds; 0 means Go's default, 15 s; negative leaves it unchanged).
func (c *Conn) SetKeepAlivePeriod(d time.Duration) error {
	return c.set(func(fd int) error { return setSeconds(fd, unix.TCP_KEEPIDLE, d) })
}

// SetKeepAliveConfig configures keep-alive as net.TCPConn.SetKeepAliveConfig does: Enable turns it on or off, and
// Idle and Interval (0: 15 s) and Count (0: 9) are set either way, negative values left unchanged.
func (c *Conn) SetKeepAliveConfig(config net.KeepAliveConfig) error {
	return c.set(func(fd int) error { return setKeepAliveConfig(fd, config) })
}

func setKeepAliveConfig(fd int, config net.KeepAliveConfig) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, boolInt(config.Enable)); err != nil {
		return err
	}
	if err := setSeconds(fd, unix.TCP_KEEPIDLE, config.Idle); err != nil {
		return err
	}
	if err := setSeconds(fd, unix.TCP_KEEPINTVL, config.Interval); err != nil {
		return err
	}
	switch {
	case config.Count == 0:
		return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, defaultKeepAliveCount)
	case config.Count > 0:
		return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, config.Count)
	}
	return nil
}

// Go's net defaults for keep-alive (net.KeepAliveConfig).
const (
	defaultKeepAlive      = 15 * time.Second
	defaultKeepAliveCount = 9
)

// SetLinger sets what Close does with unsent data: sec < 0 (the default) sends it in the background, sec == 0
// discards it (the peer sees a reset), sec > 0 sends it in the background and discards what is left after sec
// seconds.
func (c *Conn) SetLinger(sec int) error {
	l := unix.Linger{Onoff: 1, Linger: int32(sec)}
	if sec < 0 {
		l = unix.Linger{}
	}
	return c.set(func(fd int) error { return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &l) })
}

// SetReadBuffer sets the size of the kernel's receive buffer.
func (c *Conn) SetReadBuffer(bytes int) error {
	return c.setInt(unix.SOL_SOCKET, unix.SO_RCVBUF, bytes)
}

// SetWriteBuffer sets the size of the kernel's send buffer.
func (c *Conn) SetWriteBuffer(bytes int) error {
	return c.setInt(unix.SOL_SOCKET, unix.SO_SNDBUF, bytes)
}

// SyscallConn gives access to the descriptor: Control runs while the connection holds it open; Read and Write
// take the connection's read or write side (serialised with Read and Write) and honour its deadlines.
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	return newRawConn(c.file(), true)
}

// SyscallConn gives access to the listening descriptor. As for *net.TCPListener, only Control is supported (it runs
// while the listener holds the descriptor open); Read and Write fail with syscall.EINVAL.
func (l *Listener) SyscallConn() (syscall.RawConn, error) {
	return newRawConn(l.file(), false)
}

func newRawConn(f *netfd.FD, data bool) (syscall.RawConn, error) {
	return netfd.NewRawConn(f, data, func(op string, err error) error { return newOpError(op, f.Laddr, f.Raddr, err) })
}

// setSeconds sets a TCP option counted in seconds from d (rounded up; 0: defaultKeepAlive; negative: unchanged).
func setSeconds(fd, opt int, d time.Duration) error {
	switch {
	case d < 0:
		return nil
	case d == 0:
		d = defaultKeepAlive
	}
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, opt, int((d+time.Second-1)/time.Second))
}

func (c *Conn) setInt(level, opt, value int) error {
	return c.set(func(fd int) error { return unix.SetsockoptInt(fd, level, opt, value) })
}

// set applies one socket option while the connection holds the descriptor.
func (c *Conn) set(apply func(fd int) error) error {
	f := c.file()
	err := f.Control(func(fd int) error {
		if err := apply(fd); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
		return nil
	})
	if err != nil {
		return newOpError("set", f.Laddr, f.Raddr, err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
