package ip_test

import (
	"fmt"
	"log"

	"github.com/gocoro/gocoro/net/ip"
)

// Parsing an address in a given domain, and converting it.
func ExampleParseAddress() {
	a, err := ip.ParseAddress("::1", ip.IPv6)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a, a.Len(), a.NetIP().IsLoopback())

	// The text must match the domain; the error names the input.
	_, err = ip.ParseAddress("::1", ip.IPv4)
	fmt.Println(err != nil)
	// Output:
	// ::1 16 true
	// true
}

// Parse picks the domain from the text.
func ExampleParse() {
	for _, text := range []string{"192.168.0.1", "fe80::1"} {
		a, err := ip.Parse(text)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a, a.Domain() == ip.IPv6)
	}
	// Output:
	// 192.168.0.1 false
	// fe80::1 true
}
