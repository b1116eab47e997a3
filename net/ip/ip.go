// Package ip is IPv4/IPv6 address parsing and formatting backed by libcoro's coro::net::ip_address (through the
// C shim cshim/net/ip_address.h): the same inet_pton/inet_ntop rules and the same canonical text as the C++ side.
//
//	a, err := ip.ParseAddress("::1", ip.IPv6) // ip_address::from_string("::1", domain_t::ipv6)
//	a.String()                                // "::1"
//	a.Bytes()                                 // data(): 16 bytes (4 for IPv4)
//
// Address is a small comparable value (domain + 16 bytes, as in C++), usable as a map key, and converts to and
// from net/netip.Addr and net.IP. Everything here is a pure function: safe from any goroutine, no scheduler
// involved; parsing and formatting each make one short cgo call on the calling goroutine's thread.
package ip

/*
#include "cshim/net/ip_address.h"
*/
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Domain is an address family, with libcoro's domain_t values (the kernel's AF_INET and AF_INET6).
type Domain int

const (
	IPv4 Domain = unix.AF_INET  // domain_t::ipv4
	IPv6 Domain = unix.AF_INET6 // domain_t::ipv6
)

// String returns "ipv4" or "ipv6" (coro::net::to_string(domain_t)), or "Domain(n)" for any other value.
func (d Domain) String() string {
	if d != IPv4 && d != IPv6 {
		return "Domain(" + strconv.Itoa(int(d)) + ")"
	}
	t := C.gocoro_ip_domain_to_string(C.int32_t(d))
	return C.GoStringN(&t.text[0], C.int(t.len))
}

// ErrInvalid is wrapped by every error about a malformed address, a wrong byte count or an unknown Domain.
var ErrInvalid = errors.New("invalid IP address")

// ParseError reports text that is not an address of the requested domain.
type ParseError struct {
	Text   string
	Domain Domain
}

func (e *ParseError) Error() string {
	return "ip: " + strconv.Quote(e.Text) + " is not a valid " + e.Domain.String() + " address"
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *ParseError) Unwrap() error { return ErrInvalid }

// Address is an IPv4 or IPv6 address in network byte order, like coro::net::ip_address: the zero value is the
// IPv4 address 0.0.0.0 (ip_address's default). Addresses are comparable with == (domain and bytes).
type Address struct {
	v6 bool // the zero value must be IPv4, as in C++
	b  [16]byte
}

// ParseAddress parses text as an address of domain d (ip_address::from_string): dotted quad for IPv4, RFC 4291
// text for IPv6. Errors are *ParseError values naming the text (wrapping ErrInvalid).
func ParseAddress(text string, d Domain) (Address, error) {
	if d != IPv4 && d != IPv6 {
		return Address{}, fmt.Errorf("ip: parsing %q: unknown domain %v: %w", text, d, ErrInvalid)
	}
	var p *C.char
	if len(text) > 0 {
		p = (*C.char)(unsafe.Pointer(unsafe.StringData(text)))
	}
	r := C.gocoro_ip_address_from_string(p, C.size_t(len(text)), C.int32_t(d))
	if r.status != 0 {
		return Address{}, &ParseError{Text: text, Domain: d}
	}
	return fromC(r.address), nil
}

// Parse is ParseAddress with the domain taken from the text: IPv6 if it contains a colon, else IPv4.
func Parse(text string) (Address, error) {
	if strings.IndexByte(text, ':') >= 0 {
		return ParseAddress(text, IPv6)
	}
	return ParseAddress(text, IPv4)
}

// MustParse is Parse that panics on error, for constants in programs and tests.
func MustParse(text string) Address {
	a, err := Parse(text)
	if err != nil {
		panic(err)
	}
	return a
}

// FromBytes builds an address from b in network byte order (ip_address's span constructor): at most 4 bytes
// for IPv4 and 16 for IPv6; missing trailing bytes are zero.
func FromBytes(b []byte, d Domain) (Address, error) {
	if d != IPv4 && d != IPv6 {
		return Address{}, fmt.Errorf("ip: unknown domain %v: %w", d, ErrInvalid)
	}
	var p *C.uint8_t
	if len(b) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&b[0]))
	}
	r := C.gocoro_ip_address_from_bytes(p, C.size_t(len(b)), C.int32_t(d))
	if r.status != 0 {
		return Address{}, fmt.Errorf("ip: %d bytes is too long for an %v address: %w", len(b), d, ErrInvalid)
	}
	return fromC(r.address), nil
}

// FromNetIP converts a netip.Addr: IPv4 stays IPv4, everything else (IPv4-mapped IPv6 included) is IPv6. The
// zone is dropped. The invalid zero netip.Addr is an error.
func FromNetIP(a netip.Addr) (Address, error) {
	if !a.IsValid() {
		return Address{}, fmt.Errorf("ip: converting the zero netip.Addr: %w", ErrInvalid)
	}
	if a.Is4() {
		v := a.As4()
		var out Address
		copy(out.b[:], v[:])
		return out, nil
	}
	return Address{v6: true, b: a.As16()}, nil
}

// FromIP converts a net.IP of 4 or 16 bytes; an IPv4 address in either form (To4 != nil) becomes IPv4.
func FromIP(x net.IP) (Address, error) {
	if v4 := x.To4(); v4 != nil {
		var out Address
		copy(out.b[:], v4)
		return out, nil
	}
	if len(x) == net.IPv6len {
		out := Address{v6: true}
		copy(out.b[:], x)
		return out, nil
	}
	return Address{}, fmt.Errorf("ip: converting a %d-byte net.IP: %w", len(x), ErrInvalid)
}

func fromC(c C.gocoro_ip_address) Address {
	a := Address{v6: Domain(c.domain) == IPv6}
	a.b = *(*[16]byte)(unsafe.Pointer(&c.bytes[0]))
	return a
}

// Domain returns IPv4 or IPv6.
func (a Address) Domain() Domain {
	if a.v6 {
		return IPv6
	}
	return IPv4
}

// Len is the address length in bytes: 4 or 16.
func (a Address) Len() int {
	if a.v6 {
		return net.IPv6len
	}
	return net.IPv4len
}

// Bytes returns a copy of the address bytes (ip_address::data()): 4 for IPv4, 16 for IPv6.
func (a Address) Bytes() []byte { return append([]byte(nil), a.b[:a.Len()]...) }

// As16 returns the 16 stored bytes (for IPv4: the 4 address bytes followed by zeros, as in C++).
func (a Address) As16() [16]byte { return a.b }

// String returns the canonical text (ip_address::to_string): "127.0.0.1", "::1", "1::".
func (a Address) String() string {
	var c C.gocoro_ip_address
	c.domain = C.int32_t(a.Domain())
	*(*[16]byte)(unsafe.Pointer(&c.bytes[0])) = a.b
	t := C.gocoro_ip_address_to_string(c)
	if t.len < 0 {
		return "<invalid " + a.Domain().String() + " address>"
	}
	return C.GoStringN(&t.text[0], C.int(t.len))
}

// Compare orders addresses like ip_address's operator<=>: by domain (IPv4 first), then by the 16 bytes.
func (a Address) Compare(b Address) int {
	switch {
	case a.v6 == b.v6:
		return bytes.Compare(a.b[:], b.b[:])
	case !a.v6:
		return -1
	default:
		return 1
	}
}

// NetIP converts to a netip.Addr (Is4 for IPv4).
func (a Address) NetIP() netip.Addr {
	if a.v6 {
		return netip.AddrFrom16(a.b)
	}
	return netip.AddrFrom4([4]byte(a.b[:4]))
}

// IP converts to a newly allocated net.IP of 4 or 16 bytes.
func (a Address) IP() net.IP { return net.IP(a.Bytes()) }

// MarshalText implements encoding.TextMarshaler with String's form.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with Parse.
func (a *Address) UnmarshalText(text []byte) error {
	v, err := Parse(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
