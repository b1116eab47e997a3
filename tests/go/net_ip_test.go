// Parity scenarios 108-109 (test/net/test_ip_address.cpp) through package net/ip.
package gotest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/ip"
)

func TestNetIPAddress(t *testing.T) {
	t.Run("net::ip_address from_string() ipv4", func(t *testing.T) {
		for _, tc := range []struct {
			text  string
			bytes []byte
		}{
			{"127.0.0.1", []byte{127, 0, 0, 1}},
			{"255.255.0.0", []byte{255, 255, 0, 0}},
		} {
			a, err := ip.ParseAddress(tc.text, ip.IPv4) // from_string's default domain is ipv4
			require.NoError(t, err)
			require.Equal(t, tc.text, a.String())
			require.Equal(t, ip.IPv4, a.Domain())
			require.Equal(t, tc.bytes, a.Bytes())
		}
	})

	t.Run("net::ip_address from_string() ipv6", func(t *testing.T) {
		check := func(text, want string, bytes [16]byte) {
			t.Helper()
			a, err := ip.ParseAddress(text, ip.IPv6)
			require.NoError(t, err)
			require.Equal(t, want, a.String())
			require.Equal(t, ip.IPv6, a.Domain())
			require.Equal(t, bytes[:], a.Bytes())
		}
		check("0123:4567:89ab:cdef:0123:4567:89ab:cdef", "123:4567:89ab:cdef:123:4567:89ab:cdef",
			[16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef})
		check("::", "::", [16]byte{})
		check("::1", "::1", [16]byte{15: 1})
		check("1::1", "1::1", [16]byte{1: 1, 15: 1})
		check("1::", "1::", [16]byte{1: 1})
	})
}
