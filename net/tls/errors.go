package tls

import (
	"errors"
	"io"
	"net"
	"strconv"
)

var (
	// ErrHandshake matches every failed TLS handshake: untrusted or mismatching certificate, no common protocol
	// version or cipher, a peer that does not speak TLS, a connection closed or reset during the handshake.
	ErrHandshake = errors.New("tls: handshake failed")
	// ErrCertificate matches handshake failures where this side rejected the peer's certificate (untrusted CA,
	// wrong host name, expired, ...). A peer rejecting ours shows up as an alert in the reason text instead.
	ErrCertificate = errors.New("tls: certificate rejected")
)

// Error is a TLS failure reported by OpenSSL, usually wrapped in a *net.OpError naming the operation and the
// addresses. It matches ErrHandshake when it ended a handshake and ErrCertificate when the peer's certificate
// was rejected here.
type Error struct {
	Handshake bool
	// Reason is OpenSSL's text (its error queue, reasons separated by "; ").
	Reason string
	// VerifyResult is OpenSSL's certificate verification code (X509_V_ERR_*); 0 when the chain was accepted or
	// not checked.
	VerifyResult int
	// Err is the underlying system error (syscall.Errno: a reset during the handshake), if any.
	Err error
}

func (e *Error) Error() string {
	s := "tls: "
	if e.Handshake {
		s = "tls: handshake failed: "
	}
	if e.VerifyResult != 0 && e.Reason == "" {
		return s + "certificate verify error " + strconv.Itoa(e.VerifyResult)
	}
	return s + e.Reason
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Is(target error) bool {
	switch target {
	case ErrHandshake:
		return e.Handshake
	case ErrCertificate:
		return e.VerifyResult != 0
	}
	return false
}

func newOpError(op string, src, dst net.Addr, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: src, Addr: dst, Err: err}
}
