package argerr_test

import (
	"errors"
	"net"
	"testing"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/internal/argerr"
)

func TestNamesTheArgumentAndMatchesErrInvalid(t *testing.T) {
	err := error(&net.OpError{Op: "listen", Net: "tcp", Err: argerr.New("nil *tls.Context")})
	if got, want := err.Error(), "listen tcp: invalid argument: nil *tls.Context"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, coro.ErrInvalid) {
		t.Fatal("does not match coro.ErrInvalid")
	}
}
