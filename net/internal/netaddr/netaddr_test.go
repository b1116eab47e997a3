package netaddr

import (
	"net"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		in       string
		dial     bool
		ip, name string
		port     uint16
		bad      bool
	}{
		{in: "127.0.0.1:80", ip: "127.0.0.1", name: "127.0.0.1", port: 80},
		{in: ":0", ip: "0.0.0.0", name: "0.0.0.0"},
		{in: ":8080", dial: true, ip: "127.0.0.1", name: "127.0.0.1", port: 8080},
		{in: "localhost:1", ip: "127.0.0.1", name: "localhost", port: 1},
		{in: "[::1]:443", ip: "::1", name: "::1", port: 443},
		{in: "[::ffff:10.0.0.1]:5", ip: "10.0.0.1", name: "::ffff:10.0.0.1", port: 5},
		{in: "", bad: true},
		{in: "127.0.0.1", bad: true},
		{in: "256.1.1.1:80", bad: true},
		{in: "[::gg]:80", bad: true},
		{in: "example.com:80", bad: true},
		{in: "[fe80::1%eth0]:80", bad: true},
		{in: "127.0.0.1:65536", bad: true},
		{in: "127.0.0.1:http", bad: true},
	} {
		ip, port, name, err := Split(c.in, c.dial)
		if c.bad {
			if err == nil {
				t.Errorf("Split(%q) = %q, %d: want an error", c.in, ip, port)
			} else if _, ok := err.(*net.AddrError); !ok {
				t.Errorf("Split(%q) error %T %v: want *net.AddrError", c.in, err, err)
			}
			continue
		}
		if err != nil || ip != c.ip || port != c.port || name != c.name {
			t.Errorf("Split(%q, %v) = %q, %d, %q, %v; want %q, %d, %q", c.in, c.dial, ip, port, name, err, c.ip, c.port, c.name)
		}
	}
}
