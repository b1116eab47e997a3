package ip_test

import (
	"bytes"
	"testing"

	"github.com/gocoro/gocoro/net/ip"
)

// FuzzParse: any text either fails with an error or gives an address whose String parses back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::1", "::ffff:1.2.3.4", "fe80::1%eth0", "1.2.3", "", "::", "1::2::3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		a, err := ip.Parse(text)
		if err != nil {
			return
		}
		back, err := ip.Parse(a.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %v, but its String %q does not parse: %v", text, a, a.String(), err)
		}
		if back.Compare(a) != 0 {
			t.Fatalf("Parse(%q) = %v; round trip gives %v", text, a, back)
		}
		if got := a.NetIP(); got.IsValid() && got.String() != a.NetIP().String() {
			t.Fatalf("NetIP not stable for %q", text)
		}
		for _, d := range []ip.Domain{ip.IPv4, ip.IPv6} {
			_, _ = ip.ParseAddress(text, d)
		}
	})
}

// FuzzFromBytes: any byte string and domain either fails or gives an address of the domain's length whose
// leading bytes are b (missing trailing bytes are zero, as documented).
func FuzzFromBytes(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1}, false)
	f.Add(make([]byte, 16), true)
	f.Add([]byte{1, 2, 3}, true)
	f.Fuzz(func(t *testing.T, b []byte, v6 bool) {
		d := ip.IPv4
		if v6 {
			d = ip.IPv6
		}
		a, err := ip.FromBytes(b, d)
		if err != nil {
			return
		}
		want := 4
		if v6 {
			want = 16
		}
		if a.Len() != want || len(b) > want || !bytes.Equal(a.Bytes()[:len(b)], b) ||
			!bytes.Equal(a.Bytes()[len(b):], make([]byte, want-len(b))) {
			t.Fatalf("FromBytes(%x, %v) = %x", b, d, a.Bytes())
		}
		var u ip.Address
		if err := u.UnmarshalText([]byte(a.String())); err != nil || u.Compare(a) != 0 {
			t.Fatalf("text round trip of %v: %v, %v", a, u, err)
		}
	})
}
