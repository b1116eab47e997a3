package netaddr

import (
	"net"
	"strconv"
	"testing"
)

// FuzzSplit: any address either fails or gives an IP literal and a port that split back to themselves.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"127.0.0.1:80", ":0", "localhost:1", "[::1]:443", "[::ffff:1.2.3.4]:9", "x:1",
		"1.2.3.4:65536", "[fe80::1%eth0]:1", "::1", "[]:1", "1.2.3.4:-1"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, address string, dial bool) {
		ipText, port, name, err := Split(address, dial)
		if err != nil {
			return
		}
		if net.ParseIP(ipText) == nil {
			t.Fatalf("Split(%q) gave %q, not an IP literal", address, ipText)
		}
		if name == "" {
			t.Fatalf("Split(%q) gave an empty name", address)
		}
		ip2, port2, _, err := Split(net.JoinHostPort(ipText, strconv.Itoa(int(port))), dial)
		if err != nil || ip2 != ipText || port2 != port {
			t.Fatalf("Split(%q) = %q %d; re-split gives %q %d %v", address, ipText, port, ip2, port2, err)
		}
	})
}
