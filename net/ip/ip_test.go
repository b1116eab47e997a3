package ip_test

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gocoro/gocoro/net/ip"
)

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		text, want string
		d          ip.Domain
		bytes      []byte
	}{
		{"127.0.0.1", "127.0.0.1", ip.IPv4, []byte{127, 0, 0, 1}},
		{"0.0.0.0", "0.0.0.0", ip.IPv4, []byte{0, 0, 0, 0}},
		{"::", "::", ip.IPv6, make([]byte, 16)},
		{"::ffff:10.0.0.1", "::ffff:10.0.0.1", ip.IPv6, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}},
		{"FE80:0:0:0:0:0:0:1", "fe80::1", ip.IPv6, []byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
	} {
		a, err := ip.ParseAddress(tc.text, tc.d)
		require.NoError(t, err, tc.text)
		require.Equal(t, tc.want, a.String())
		require.Equal(t, tc.d, a.Domain())
		require.Equal(t, tc.bytes, a.Bytes())
		require.Equal(t, len(tc.bytes), a.Len())
		b, err := ip.Parse(tc.text)
		require.NoError(t, err)
		require.True(t, a == b)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		text string
		d    ip.Domain
	}{
		{"256.1.1.1", ip.IPv4},
		{"::gg", ip.IPv6},
		{"", ip.IPv4},
		{"", ip.IPv6},
		{"1.2.3", ip.IPv4},
		{"::1", ip.IPv4},             // wrong domain
		{"127.0.0.1", ip.IPv6},       // wrong domain
		{"1.2.3.4\x00junk", ip.IPv4}, // inet_pton would stop at the NUL
		{" 1.2.3.4", ip.IPv4},
		{"fe80::1%eth0", ip.IPv6},
	} {
		_, err := ip.ParseAddress(tc.text, tc.d)
		require.Error(t, err, "%q", tc.text)
		require.ErrorIs(t, err, ip.ErrInvalid)
		var pe *ip.ParseError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, tc.text, pe.Text)
		require.Equal(t, tc.d, pe.Domain)
		require.Contains(t, err.Error(), strconv.Quote(tc.text))
	}
	_, err := ip.ParseAddress("256.1.1.1", ip.IPv4)
	require.EqualError(t, err, `ip: "256.1.1.1" is not a valid ipv4 address`)
	_, err = ip.Parse("::gg")
	require.EqualError(t, err, `ip: "::gg" is not a valid ipv6 address`)
	_, err = ip.ParseAddress("1.2.3.4", ip.Domain(7))
	require.ErrorIs(t, err, ip.ErrInvalid)
	require.Contains(t, err.Error(), "Domain(7)")
	require.Panics(t, func() { ip.MustParse("1.2.3.999") })
}

func TestZeroValueAndDomain(t *testing.T) {
	var z ip.Address // ip_address{}: IPv4 0.0.0.0
	require.Equal(t, ip.IPv4, z.Domain())
	require.Equal(t, "0.0.0.0", z.String())
	require.True(t, z == ip.MustParse("0.0.0.0"))
	require.False(t, z == ip.MustParse("::"))
	require.Equal(t, "ipv4", ip.IPv4.String())
	require.Equal(t, "ipv6", ip.IPv6.String())
	require.Equal(t, "Domain(0)", ip.Domain(0).String())
}

func TestFromBytes(t *testing.T) {
	a, err := ip.FromBytes([]byte{10, 1}, ip.IPv4) // the rest is zero, as in C++
	require.NoError(t, err)
	require.Equal(t, "10.1.0.0", a.String())
	a, err = ip.FromBytes(nil, ip.IPv6)
	require.NoError(t, err)
	require.Equal(t, "::", a.String())
	_, err = ip.FromBytes(make([]byte, 5), ip.IPv4)
	require.ErrorIs(t, err, ip.ErrInvalid)
	require.Contains(t, err.Error(), "5 bytes")
	_, err = ip.FromBytes(make([]byte, 17), ip.IPv6)
	require.ErrorIs(t, err, ip.ErrInvalid)
	_, err = ip.FromBytes([]byte{1}, ip.Domain(99))
	require.ErrorIs(t, err, ip.ErrInvalid)
}

func TestConversions(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "10.20.30.40", "::1", "2001:db8::68", "::ffff:1.2.3.4"} {
		a := ip.MustParse(s)
		n := a.NetIP()
		require.Equal(t, s, n.String())
		back, err := ip.FromNetIP(n)
		require.NoError(t, err)
		require.True(t, a == back, s)
		require.Equal(t, a.Domain() == ip.IPv4, n.Is4())

		x := a.IP()
		require.Len(t, x, a.Len())
		if a.Domain() == ip.IPv4 {
			require.True(t, x.Equal(net.ParseIP(s)))
		}
		back, err = ip.FromIP(x)
		require.NoError(t, err)
		if !n.Is4In6() { // net.IP cannot tell a mapped address from IPv4
			require.True(t, a == back, s)
		}
	}
	// net.ParseIP returns IPv4 in 16-byte form: still IPv4.
	a, err := ip.FromIP(net.ParseIP("192.0.2.1"))
	require.NoError(t, err)
	require.Equal(t, ip.IPv4, a.Domain())
	require.Equal(t, "192.0.2.1", a.String())
	_, err = ip.FromIP(net.IP{1, 2, 3})
	require.ErrorIs(t, err, ip.ErrInvalid)
	_, err = ip.FromNetIP(netip.Addr{})
	require.ErrorIs(t, err, ip.ErrInvalid)
	z, err := ip.FromNetIP(netip.MustParseAddr("fe80::1%eth0"))
	require.NoError(t, err)
	require.Equal(t, "fe80::1", z.String())
}

func TestCompareAndMapKey(t *testing.T) {
	addrs := []ip.Address{ip.MustParse("10.0.0.1"), ip.MustParse("10.0.0.2"), ip.MustParse("::"), ip.MustParse("::1")}
	for i := range addrs {
		for j := range addrs {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			require.Equal(t, want, addrs[i].Compare(addrs[j]), "%v vs %v", addrs[i], addrs[j])
		}
	}
	m := map[ip.Address]int{}
	for i, a := range addrs {
		m[a] = i
	}
	require.Equal(t, 3, m[ip.MustParse("0::1")])
}

func TestText(t *testing.T) {
	var a ip.Address
	require.NoError(t, a.UnmarshalText([]byte("2001:db8::1")))
	b, err := a.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "2001:db8::1", string(b))
	err = a.UnmarshalText([]byte("nope"))
	require.True(t, errors.Is(err, ip.ErrInvalid))
}
