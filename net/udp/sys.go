package udp

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The datagram system calls, made from Go (no cgo call) inside netfd.FD.Retry: the socket is created by the shim,
// its data path runs where Go's poller waits for it. Each direction keeps its arguments here (guarded by that
// direction's lock) so that the ops are func values made once and a datagram costs no allocation.
type sysState struct {
	recvBuf []byte
	from    unix.RawSockaddrAny
	recvOp  func(fd int) int64
	sendBuf []byte
	to      unix.RawSockaddrAny
	toLen   uintptr
	sendOp  func(fd int) int64
}

func (s *sysState) init() {
	s.recvOp = s.recvfrom
	s.sendOp = s.sendto
}

// recvfrom receives one datagram into recvBuf; its sender is left in from.
func (s *sysState) recvfrom(fd int) int64 {
	fromLen := uint32(unsafe.Sizeof(s.from))
	n, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(s.recvBuf))),
		uintptr(len(s.recvBuf)), 0, uintptr(unsafe.Pointer(&s.from)), uintptr(unsafe.Pointer(&fromLen)))
	if e != 0 {
		return -int64(e)
	}
	return int64(n)
}

// sendto sends sendBuf as one datagram to `to` (MSG_NOSIGNAL).
func (s *sysState) sendto(fd int) int64 {
	n, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(s.sendBuf))),
		uintptr(len(s.sendBuf)), unix.MSG_NOSIGNAL, uintptr(unsafe.Pointer(&s.to)), s.toLen)
	if e != 0 {
		return -int64(e)
	}
	return int64(n)
}

// setTo fills `to` with ap (whose family the caller has matched to the socket's).
func (s *sysState) setTo(ap netip.AddrPort) {
	port := ap.Port()
	if a := ap.Addr(); a.Is4() {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&s.to))
		*sa = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.As4()}
		putPort(&sa.Port, port)
		s.toLen = unix.SizeofSockaddrInet4
	} else {
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&s.to))
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()}
		putPort(&sa.Port, port)
		s.toLen = unix.SizeofSockaddrInet6
	}
}

// sender decodes from.
func (s *sysState) sender() netip.AddrPort {
	switch s.from.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&s.from))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), getPort(&sa.Port))
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&s.from))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), getPort(&sa.Port))
	}
	return netip.AddrPort{}
}

// Ports are in network byte order in a sockaddr.
func putPort(p *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(p))
	b[0], b[1] = byte(port>>8), byte(port)
}

func getPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}
