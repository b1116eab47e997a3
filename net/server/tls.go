package server

/*
#include <errno.h>
#include <stdlib.h>
#include "cshim/net/server.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TLS protocol versions for TLSConfig.MinVersion (the values of crypto/tls's VersionTLS12 and VersionTLS13).
const (
	VersionTLS12 = 0x0303
	VersionTLS13 = 0x0304
)

// TLS errors. Test with errors.Is.
var (
	// ErrTLSNotLinked: Options.TLS without package net/server/servertls linked in (import it for its effect).
	ErrTLSNotLinked = errors.New(`server: Options.TLS needs TLS linked in: import _ "github.com/gocoro/gocoro/net/server/servertls"`)
	// ErrTLSCertificate: OpenSSL refused the certificate or key (Serve, ReloadCertificate); the text says why.
	ErrTLSCertificate = errors.New("server: TLS certificate or key refused")
	// ErrTLSHandshake (reported to Options.OnError, Op "handshake"): a client's TLS handshake failed and the
	// connection was closed before any callback saw it; wraps the errno too (unix.ECONNRESET, unix.EPROTO for a
	// TLS failure, whose text is included).
	ErrTLSHandshake = errors.New("server: TLS handshake failed")
	// ErrHandshakeTimeout: a handshake did not finish within TLSConfig.HandshakeTimeout. Also errors.Is
	// ErrTLSHandshake and os.ErrDeadlineExceeded.
	ErrHandshakeTimeout = fmt.Errorf("%w: timeout: %w", ErrTLSHandshake, os.ErrDeadlineExceeded)
)

// Certificate is a server certificate (with its chain after the leaf, if any) and its private key, PEM-encoded,
// from files or from memory: CertFile (KeyFile, or the key in CertFile when empty), or CertPEM and KeyPEM.
type Certificate struct {
	CertFile, KeyFile string
	CertPEM, KeyPEM   []byte
}

// TLSConfig makes a server (Callbacks or Func handlers) terminate TLS in its C++ loop with OpenSSL (package
// net/server/servertls must be linked in). Callbacks see plaintext exactly as without TLS.
type TLSConfig struct {
	Certificate
	// MinVersion is the lowest protocol version accepted: VersionTLS12 (0, the default) or VersionTLS13.
	MinVersion uint16
	// HandshakeTimeout closes a connection whose handshake has not finished after that long (reported as
	// ErrHandshakeTimeout). 0 means 10 s.
	HandshakeTimeout time.Duration
}

// check names what is wrong with c, "" if nothing.
func (c *Certificate) check() string {
	files := c.CertFile != "" || c.KeyFile != ""
	pem := len(c.CertPEM) > 0 || len(c.KeyPEM) > 0
	switch {
	case files && pem:
		return "TLS certificate: both files and PEM given"
	case c.CertFile == "" && len(c.CertPEM) == 0:
		return "TLS certificate: neither CertFile nor CertPEM given"
	case pem && (len(c.CertPEM) == 0 || len(c.KeyPEM) == 0):
		return "TLS certificate: CertPEM and KeyPEM go together"
	}
	return ""
}

func (c *TLSConfig) check() string {
	if bad := c.Certificate.check(); bad != "" {
		return bad
	}
	if c.MinVersion != 0 && c.MinVersion != VersionTLS12 && c.MinVersion != VersionTLS13 {
		return fmt.Sprintf("TLSConfig.MinVersion %#04x (VersionTLS12 or VersionTLS13)", c.MinVersion)
	}
	if c.HandshakeTimeout < 0 {
		return "negative TLSConfig.HandshakeTimeout"
	}
	return ""
}

// cTLSOptions is c in C memory (the server options that point to it are passed to C, so it cannot be Go
// memory); free releases it.
func cTLSOptions(c *Certificate, minVersion uint16) (o *C.gocoro_tls_context_options, free func()) {
	o = (*C.gocoro_tls_context_options)(C.calloc(1, C.size_t(unsafe.Sizeof(C.gocoro_tls_context_options{}))))
	var owned []unsafe.Pointer
	str := func(s string) *C.char {
		p := C.CString(s)
		owned = append(owned, unsafe.Pointer(p))
		return p
	}
	bytes := func(b []byte) (*C.char, C.size_t) {
		p := C.CBytes(b)
		owned = append(owned, p)
		return (*C.char)(p), C.size_t(len(b))
	}
	if c.CertFile != "" {
		o.cert_file, o.cert_type = str(c.CertFile), C.GOCORO_TLS_FILE_PEM
		if c.KeyFile != "" {
			o.key_file = str(c.KeyFile)
		}
		o.key_type = C.GOCORO_TLS_FILE_PEM
	} else {
		o.cert_pem, o.cert_pem_len = bytes(c.CertPEM)
		o.key_pem, o.key_pem_len = bytes(c.KeyPEM)
	}
	o.min_version = C.uint16_t(minVersion)
	return o, func() {
		for _, p := range owned {
			C.free(p)
		}
		C.free(unsafe.Pointer(o))
	}
}

// tlsErrorCap is the size of the buffers OpenSSL's reasons are copied into.
const tlsErrorCap = 512

// ReloadCertificate replaces the certificate and key of a TLS server without a restart: handshakes that start
// afterwards use the new one; connections established (or handshaking) keep theirs. Any goroutine. The old
// certificate stays if the new one is refused (ErrTLSCertificate, with OpenSSL's reason).
func (s *Server) ReloadCertificate(c Certificate) error {
	if s.done == nil {
		return errNotServing
	}
	if s.tls == nil {
		return newOpError("reload", nil, s.addr, errors.New("server: ReloadCertificate on a server without Options.TLS"))
	}
	if bad := c.check(); bad != "" {
		return newOpError("reload", nil, s.addr, errors.New("server: "+bad))
	}
	o, free := cTLSOptions(&c, s.tls.MinVersion)
	defer free()
	text := (*C.char)(C.calloc(1, tlsErrorCap))
	defer C.free(unsafe.Pointer(text))
	if !s.life.Enter() {
		return newOpError("reload", nil, s.addr, ErrServerClosed)
	}
	defer s.life.Exit()
	if rc := C.gocoro_server_reload_certificate(s.s, o, text, tlsErrorCap); rc != 0 {
		return newOpError("reload", nil, s.addr, tlsStartError(rc, C.GoString(text)))
	}
	return nil
}

// tlsStartError is the error for a failed TLS setup (negated errno rc, OpenSSL's text).
func tlsStartError(rc C.int, text string) error {
	switch rc {
	case -C.ENOTSUP:
		return ErrTLSNotLinked
	case -C.EINVAL:
		return fmt.Errorf("%w: %s", ErrTLSCertificate, text)
	}
	return unix.Errno(-rc)
}

// handshakeError is what a failed handshake is reported as (errno from the loop, OpenSSL's text if any).
func handshakeError(errno C.int32_t, text string) error {
	e := unix.Errno(errno)
	switch {
	case e == unix.ETIMEDOUT:
		return ErrHandshakeTimeout
	case text != "":
		return fmt.Errorf("%w: %s (%w)", ErrTLSHandshake, text, e)
	}
	return fmt.Errorf("%w: %w", ErrTLSHandshake, e)
}
