package tls

/*
#include <stdlib.h>
#include <string.h>
#include "cshim/net/tls.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// VerifyMode is libcoro's verify_peer_t.
type VerifyMode int

const (
	// VerifyPeer checks the peer's certificate chain against the trusted CAs (Config.CAFile/CAPEM, else the
	// system's store) and, on the client side, that it is valid for the server's name. On the server side it asks
	// the client for a certificate and verifies one if sent (OpenSSL's SSL_VERIFY_PEER, libcoro's default).
	VerifyPeer VerifyMode = iota
	// VerifyNone accepts any certificate (libcoro's verify_peer_t::no): the connection is encrypted but the peer
	// is not authenticated.
	VerifyNone
)

// FileType is the encoding of certificate and key files (libcoro's tls_file_type).
type FileType int

const (
	PEM  FileType = iota // the zero value
	ASN1                 // DER
)

// Config describes a Context. The zero Config is a client context that verifies servers against the system's
// CAs.
type Config struct {
	// The certificate and private key: required to Listen, optional for Dial (a client certificate). Either
	// files, loaded as libcoro's context(certificate, type, key, type, verify) does (a PEM certificate file may
	// carry the chain after the leaf; KeyFile empty: the key is in CertFile), or PEM text.
	CertFile, KeyFile string
	CertType, KeyType FileType
	CertPEM, KeyPEM   []byte

	// Verify is VerifyPeer (the default, as in libcoro) or VerifyNone.
	Verify VerifyMode
	// Trusted CA certificates (PEM), used instead of the system's store when given.
	CAFile string
	CAPEM  []byte

	// ServerName is the name a client sends (SNI) and, when verifying, checks the server's certificate against.
	// Empty: the host of Dial's address ("localhost" or the IP literal; an IP is checked against the
	// certificate's IP addresses).
	ServerName string
}

// Context is a configured coro::net::tls::context (one OpenSSL SSL_CTX), shared by every connection made with
// it like libcoro's std::shared_ptr<tls::context>. Build one per configuration and reuse it: loading certificates
// and the CA store costs far more than a handshake. A Context is safe for concurrent use and is freed once
// unreachable (connections keep what they need). Only NewContext makes a usable one: Dial and Listen refuse a zero
// Context.
type Context struct {
	c          *C.gocoro_tls_context
	hasCert    bool
	serverName string
}

// NewContext loads cfg's certificates, keys and CAs. Errors carry OpenSSL's reason text and match ErrConfig.
func NewContext(cfg Config) (*Context, error) {
	if cfg.Verify != VerifyPeer && cfg.Verify != VerifyNone {
		return nil, &configError{"invalid Verify mode"}
	}
	if cfg.CertFile != "" && len(cfg.CertPEM) > 0 {
		return nil, &configError{"both CertFile and CertPEM given"}
	}
	if (len(cfg.CertPEM) > 0) != (len(cfg.KeyPEM) > 0) {
		return nil, &configError{"CertPEM and KeyPEM go together"}
	}
	if cfg.CertFile == "" && cfg.KeyFile != "" {
		return nil, &configError{"KeyFile without CertFile"}
	}
	// C would read these only up to a NUL byte: another file (or name) than the one given.
	for _, f := range []struct{ name, value string }{
		{"CertFile", cfg.CertFile}, {"KeyFile", cfg.KeyFile}, {"CAFile", cfg.CAFile}, {"ServerName", cfg.ServerName},
	} {
		if strings.IndexByte(f.value, 0) >= 0 {
			return nil, &configError{fmt.Sprintf("%s %q contains a NUL byte", f.name, f.value)}
		}
	}
	fileType := func(t FileType) (C.int, error) {
		switch t {
		case PEM:
			return C.GOCORO_TLS_FILE_PEM, nil
		case ASN1:
			return C.GOCORO_TLS_FILE_ASN1, nil
		}
		return 0, &configError{"invalid FileType"}
	}

	var allocs []unsafe.Pointer
	defer func() {
		for _, p := range allocs {
			C.free(p)
		}
	}()
	cstr := func(s string) *C.char {
		if s == "" {
			return nil
		}
		p := C.CString(s)
		allocs = append(allocs, unsafe.Pointer(p))
		return p
	}
	cbytes := func(b []byte) (*C.char, C.size_t) {
		if len(b) == 0 {
			return nil, 0
		}
		p := C.CBytes(b)
		allocs = append(allocs, p)
		return (*C.char)(p), C.size_t(len(b))
	}

	var o C.gocoro_tls_context_options
	var err error
	o.cert_file = cstr(cfg.CertFile)
	o.key_file = cstr(cfg.KeyFile)
	if o.cert_type, err = fileType(cfg.CertType); err != nil {
		return nil, err
	}
	if o.key_type, err = fileType(cfg.KeyType); err != nil {
		return nil, err
	}
	o.cert_pem, o.cert_pem_len = cbytes(cfg.CertPEM)
	o.key_pem, o.key_pem_len = cbytes(cfg.KeyPEM)
	if o.key_pem != nil {
		// Wipe the C copy of the private key before it is freed (deferred calls run last-in first-out).
		key, n := unsafe.Pointer(o.key_pem), o.key_pem_len
		defer C.memset(key, 0, n)
	}
	if cfg.Verify == VerifyPeer {
		o.verify_peer = 1
	}
	o.ca_file = cstr(cfg.CAFile)
	o.ca_pem, o.ca_pem_len = cbytes(cfg.CAPEM)

	var msg [512]C.char
	tc := &Context{hasCert: cfg.CertFile != "" || len(cfg.CertPEM) > 0, serverName: cfg.ServerName}
	if rc := C.gocoro_tls_context_new(&o, &tc.c, &msg[0], C.size_t(len(msg))); rc != 0 {
		text := C.GoString(&msg[0])
		if text == "" {
			text = unix.Errno(-rc).Error()
		}
		return nil, &configError{text}
	}
	runtime.AddCleanup(tc, func(c *C.gocoro_tls_context) { C.gocoro_tls_context_free(c) }, tc.c)
	return tc, nil
}

// errZeroContext is what Dial and Listen report for a Context not made by NewContext.
var errZeroContext = &configError{"Context not made by NewContext"}

// ErrConfig matches the errors of NewContext (and of Dial and Listen given a zero Context).
var ErrConfig = errors.New("tls: invalid configuration")

type configError struct{ reason string }

func (e *configError) Error() string        { return "tls: invalid configuration: " + e.reason }
func (e *configError) Is(target error) bool { return target == ErrConfig }
