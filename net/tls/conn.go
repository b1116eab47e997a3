package tls

/*
#include "cshim/net/tls.h"

// The hot calls keep no pointer and never call Go: the cheaper cgo crossing, and b need not escape.
#cgo noescape gocoro_tls_read_drained
#cgo nocallback gocoro_tls_read_drained
#cgo noescape gocoro_tls_write
#cgo nocallback gocoro_tls_write
*/
import "C"

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/coro"
	"github.com/gocoro/gocoro/net/internal/netfd"
)

// Conn is a TLS connection over a TCP socket on an IOScheduler. It implements net.Conn.
//
// Reads may run concurrently with writes; concurrent reads (writes) are serialised. OpenSSL runs the handshake:
// every OpenSSL call is one non-blocking cgo call made on the calling goroutine's thread under a per-connection
// lock; when OpenSSL needs the socket to become readable or writable the goroutine waits in Go's runtime poller
// (see netfd). After a TLS 1.3 handshake with an AES-GCM suite (what this package's contexts and Go's crypto/tls
// negotiate) the records are protected in Go, without cgo (see records); TLS 1.2 and ChaCha20 sessions stay with
// OpenSSL.
type Conn struct {
	fd         *netfd.FD
	server     bool
	serverName string

	mu  sync.Mutex         // serialises OpenSSL calls: an SSL object is not thread-safe
	ssl *C.gocoro_tls_conn // nil once closed or once Go took the records over (guarded by mu)
	// session is what ConnectionState reports once Go took the records over: OpenSSL's session is freed then (it
	// held ~10 KiB per connection that nothing needed any more). Nil before, and after Close (guarded by mu).
	session *sessionState

	// drained: the last read that returned data left the socket empty and OpenSSL holding nothing, so the next
	// Read starts with a cheap peek at the socket instead of an OpenSSL call that would only hear EAGAIN (set by
	// the shim; used under the Read lock). peekBuf is that peek's target.
	drained C.int
	peekBuf [1]byte

	// The current opOn call of each direction (guarded by that direction's netfd lock): kept here so that a Read
	// or Write allocates nothing.
	attempts [2]attempt

	// rec is the Go record layer once the handshake handed the records over (nil: OpenSSL keeps them). Set
	// before hsDone, read after it.
	rec *records

	hs     chan struct{} // 1-slot lock held while handshaking
	hsDone atomic.Bool
	hsErr  error // the handshake's failure, returned by every later operation (guarded by hs)

	// Copies of the deadlines (Unix ns, 0: none): waits on the other direction's poll check them (see await).
	deadline [2]atomic.Int64
}

var _ net.Conn = (*Conn)(nil)

// Internal result for "the session is freed" (the shim's codes are WANT_READ..ERROR and negated errnos).
const codeClosed = -6000

const (
	opHandshake = iota
	opRead
	opWrite
	opCloseNotify
)

// op makes one OpenSSL call. Results other than a count/0, WANT_*, and EOF come with their error.
func (c *Conn) op(kind int, b []byte) (int64, error) {
	c.mu.Lock()
	if c.ssl == nil {
		c.mu.Unlock()
		return codeClosed, net.ErrClosed
	}
	var r int64
	switch kind {
	case opHandshake:
		r = int64(C.gocoro_tls_handshake(c.ssl))
	case opRead:
		r = int64(C.gocoro_tls_read_drained(c.ssl, unsafe.Pointer(&b[0]), C.size_t(len(b)), &c.drained))
	case opWrite:
		r = int64(C.gocoro_tls_write(c.ssl, unsafe.Pointer(&b[0]), C.size_t(len(b))))
	case opCloseNotify:
		r = int64(C.gocoro_tls_close_notify(c.ssl))
	}
	if r >= 0 || r == C.GOCORO_TLS_WANT_READ || r == C.GOCORO_TLS_WANT_WRITE || r == C.GOCORO_TLS_EOF {
		c.mu.Unlock()
		return r, nil
	}
	var err error
	if r == C.GOCORO_TLS_ERROR {
		var msg [512]C.char
		var verify C.long
		C.gocoro_tls_conn_error(c.ssl, &msg[0], C.size_t(len(msg)), &verify)
		err = &Error{Handshake: kind == opHandshake, Reason: C.GoString(&msg[0]), VerifyResult: int(verify)}
	} else {
		e := unix.Errno(-r)
		if kind == opHandshake {
			err = &Error{Handshake: true, Reason: e.Error(), Err: e}
		} else if kind == opRead {
			err = os.NewSyscallError("read", e)
		} else {
			err = os.NewSyscallError("write", e)
		}
	}
	c.mu.Unlock()
	return r, err
}

func wantDir(r int64) netfd.Dir {
	if r == C.GOCORO_TLS_WANT_WRITE {
		return netfd.Write
	}
	return netfd.Read
}

// opOn makes OpenSSL calls of kind until one returns something other than WANT_<dir>, waiting for dir's
// readiness in between (through netfd's poller, so the first call costs no extra system call). probe: the socket
// was left empty, so the first attempt only peeks at it and waits if it is still empty. waitErr is what ended a
// wait (net.ErrClosed, os.ErrDeadlineExceeded, ctx.Err()); otherwise r and err are the last call's.
func (c *Conn) opOn(ctx context.Context, dir netfd.Dir, kind int, b []byte, probe bool) (r int64, err, waitErr error) {
	a := &c.attempts[dir]
	if a.run == nil {
		a.c, a.run = c, a.try // once per Conn and direction
	}
	a.want = C.GOCORO_TLS_WANT_READ
	if dir == netfd.Write {
		a.want = C.GOCORO_TLS_WANT_WRITE
	}
	a.kind, a.b, a.probe, a.r, a.err = kind, b, probe, 0, nil
	_, waitErr = c.file().Retry(ctx, dir, a.run)
	r, err = a.r, a.err
	a.b, a.err = nil, nil
	return r, err, waitErr
}

// attempt is one opOn call: its arguments, its last result, and try bound as a func value (run).
type attempt struct {
	c     *Conn
	run   func(fd int) int64
	kind  int
	b     []byte
	want  int64
	probe bool
	r     int64
	err   error
}

// try is one attempt inside the poller: -EAGAIN asks Retry to wait for readiness and call again.
func (a *attempt) try(fd int) int64 {
	if a.probe {
		// The peek runs inside the poller's attempt (after its readiness reset), so data that arrived since the
		// last read is seen here or wakes the wait that follows: nothing is missed.
		a.probe = false
		if a.c.socketEmpty(fd) {
			return -int64(unix.EAGAIN)
		}
	}
	if a.r, a.err = a.c.op(a.kind, a.b); a.r == a.want {
		return -int64(unix.EAGAIN)
	}
	return 0
}

// socketEmpty reports whether a non-blocking peek at fd finds nothing to read yet (EAGAIN). Anything else (data,
// the end, an error) is left to OpenSSL's read to report.
func (c *Conn) socketEmpty(fd int) bool {
	_, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&c.peekBuf[0])), 1,
		unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
	return e == unix.EAGAIN
}

// expired reports whether dir's deadline has passed.
func (c *Conn) expired(dir netfd.Dir) bool {
	dl := c.deadline[dir].Load()
	return dl != 0 && time.Now().UnixNano() >= dl
}

// pre-cancelled: makes netfd.FD.Lock a try-lock.
var tryLock = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// Bounds of the pauses of waiter.pause.
const (
	minPause = time.Millisecond
	maxPause = 20 * time.Millisecond
)

// waiter waits, for one Read, Write or handshake holding own's lock, until OpenSSL's next call may succeed.
type waiter struct {
	c       *Conn
	own     netfd.Dir
	both    bool // the handshake holds both directions' locks
	hangups int
	backoff time.Duration
}

// await waits for the socket to become readable or writable as r (WANT_READ/WANT_WRITE) asks.
//
// Asking for own's direction is the common case: a wait in the poller, as in net/tcp. OpenSSL may also ask a reader to
// wait for writability (a TLS 1.3 key-update reply) or, in principle, a writer for readability. Waiting for that
// direction needs its lock, which the goroutine using that direction may hold while it waits itself — so that
// lock is only tried, and when it is busy the call is retried after a short pause: the holder's own OpenSSL calls
// move the session along meanwhile. Nothing ever blocks on the other direction's lock, so a blocked Read and a
// blocked Write cannot wait for each other.
func (w *waiter) await(ctx context.Context, r int64) error {
	need := wantDir(r)
	f := w.c.fd
	if need == w.own || w.both {
		st, err := f.Wait(ctx, need)
		if err != nil {
			return err
		}
		return w.after(ctx, need, st)
	}
	if f.Lock(tryLock, need) == nil {
		timeout := maxPause
		if dl := w.c.deadline[w.own].Load(); dl != 0 {
			if timeout = min(timeout, time.Until(time.Unix(0, dl))); timeout <= 0 {
				f.Unlock(need)
				return os.ErrDeadlineExceeded
			}
		}
		// Bounded: need's deadline is not ours, and the other side may want its lock back.
		wctx, cancel := context.WithTimeout(ctx, timeout)
		st, err := f.Wait(wctx, need)
		cancel()
		f.Unlock(need)
		switch {
		case err == nil:
			return w.after(ctx, need, st)
		case errors.Is(err, net.ErrClosed):
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, os.ErrDeadlineExceeded):
			return nil // the period is over: retry
		}
		// need's deadline has passed, not ours: pause instead.
	}
	return w.pause(ctx)
}

// after interprets a poll's status. A hang-up or error is normally reported by the next OpenSSL call; for reads
// the retries are bounded in case it is not. A write poll on a socket whose peer has shut down its sending side
// reports a hang-up even while the send buffer is full (epoll's EPOLLRDHUP), so it cannot tell when writing may
// continue: pause and retry instead.
func (w *waiter) after(ctx context.Context, dir netfd.Dir, st coro.PollStatus) error {
	switch {
	case st == coro.PollClosed && dir == netfd.Write:
		return w.pause(ctx)
	case st == coro.PollError || st == coro.PollClosed:
		if w.hangups++; w.hangups > 2 {
			return unix.EIO
		}
	}
	w.backoff = 0
	return nil
}

// pause sleeps a little (doubling from minPause up to maxPause), bounded by ctx, own's deadline and Close.
func (w *waiter) pause(ctx context.Context) error {
	d := min(max(w.backoff*2, minPause), maxPause)
	w.backoff = d
	if dl := w.c.deadline[w.own].Load(); dl != 0 {
		if d = min(d, time.Until(time.Unix(0, dl))); d <= 0 {
			return os.ErrDeadlineExceeded
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-w.c.fd.Closing():
		return net.ErrClosed
	}
}

// lockHandshake takes the handshake lock, giving up when ctx ends or the connection is closed.
func (c *Conn) lockHandshake(ctx context.Context) error {
	select {
	case c.hs <- struct{}{}:
		return nil
	default:
	}
	select {
	case c.hs <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.file().Closing():
		return net.ErrClosed
	}
}

// handshake runs the TLS handshake once; its failure (including a cancelled ctx or a passed deadline, as in
// crypto/tls) is final.
func (c *Conn) handshake(ctx context.Context) error {
	if err := c.lockHandshake(ctx); err != nil {
		return err
	}
	defer func() { <-c.hs }()
	if c.hsDone.Load() {
		return nil
	}
	if c.hsErr != nil {
		return c.hsErr
	}
	if err := c.runHandshake(ctx); err != nil {
		c.hsErr = err
		return err
	}
	if err := c.takeRecords(); err != nil {
		c.hsErr = err
		return err
	}
	c.hsDone.Store(true)
	return nil
}

// takeRecords moves record protection to Go when OpenSSL hands over the traffic secrets (see records).
func (c *Conn) takeRecords() error {
	var t C.gocoro_tls_traffic
	c.mu.Lock()
	taken := c.ssl != nil && C.gocoro_tls_conn_take_records(c.ssl, &t) == 1
	if taken {
		// OpenSSL has nothing left to do for this connection: keep what ConnectionState reports, free the rest.
		st := c.sessionLocked()
		c.session = &st
		C.gocoro_tls_conn_free(c.ssl)
		c.ssl = nil
	}
	c.mu.Unlock()
	if !taken {
		return nil
	}
	read := unsafe.Slice((*byte)(unsafe.Pointer(&t.read_secret[0])), int(t.secret_len))
	write := unsafe.Slice((*byte)(unsafe.Pointer(&t.write_secret[0])), int(t.secret_len))
	rec, err := newRecords(c.fd, c.server, uint16(t.cipher), read, write)
	clear(read)
	clear(write)
	if err != nil {
		return &Error{Handshake: true, Reason: "cannot derive the traffic keys: " + err.Error()}
	}
	c.rec = rec
	return nil
}

func (c *Conn) runHandshake(ctx context.Context) error {
	f := c.file()
	// Both directions: the handshake reads and writes, and nothing else may use the session meanwhile.
	if err := f.Lock(ctx, netfd.Read); err != nil {
		return err
	}
	defer f.Unlock(netfd.Read)
	if err := f.Lock(ctx, netfd.Write); err != nil {
		return err
	}
	defer f.Unlock(netfd.Write)
	w := waiter{c: c, own: netfd.Read, both: true}
	for {
		r, err := c.op(opHandshake, nil)
		switch {
		case r == 0:
			return nil
		case r == C.GOCORO_TLS_WANT_READ || r == C.GOCORO_TLS_WANT_WRITE:
			if c.expired(wantDir(r)) {
				return os.ErrDeadlineExceeded
			}
			if err := w.await(ctx, r); err != nil {
				if err == unix.EIO {
					return &Error{Handshake: true, Reason: "connection closed during the handshake", Err: err}
				}
				return err
			}
		case r == C.GOCORO_TLS_EOF:
			return &Error{Handshake: true, Reason: "connection closed during the handshake"}
		default:
			return err
		}
	}
}

// Handshake runs the TLS handshake if it has not run yet (Read and Write run it on first use).
func (c *Conn) Handshake() error { return c.HandshakeContext(context.Background()) }

// HandshakeContext is Handshake bounded by ctx (and the deadlines). A failed, cancelled or timed-out handshake
// leaves the connection unusable: every later call returns the same error; Close it.
func (c *Conn) HandshakeContext(ctx context.Context) error {
	if c.hsDone.Load() {
		return nil
	}
	if err := c.handshake(ctx); err != nil {
		return newOpError("handshake", c.file().Laddr, c.file().Raddr, err)
	}
	return nil
}

func (c *Conn) read(ctx context.Context, b []byte) (int, error) {
	if !c.hsDone.Load() {
		if err := c.handshake(ctx); err != nil {
			return 0, err
		}
	}
	f := c.file()
	if err := f.Lock(ctx, netfd.Read); err != nil {
		return 0, err
	}
	defer f.Unlock(netfd.Read)
	if len(b) == 0 {
		return 0, nil
	}
	if c.rec != nil {
		n, err := c.rec.read(ctx, b)
		if alert, ok := c.rec.takeAlert(); ok && f.Lock(tryLock, netfd.Write) == nil {
			// Tell the peer why (as crypto/tls does); a Write in progress keeps the lock, and its records may be
			// half sent, so then nothing is said.
			c.rec.fatalAlertNow(alert, err)
			f.Unlock(netfd.Write)
		}
		return n, err
	}
	w := waiter{c: c, own: netfd.Read}
	// Read lock held: only reads change drained.
	probe := c.drained != 0
	c.drained = 0
	for {
		if c.expired(netfd.Read) {
			return 0, os.ErrDeadlineExceeded
		}
		// Otherwise try first: OpenSSL may hold decrypted bytes no poll would announce.
		r, err, waitErr := c.opOn(ctx, netfd.Read, opRead, b, probe)
		probe = false
		switch {
		case waitErr != nil:
			return 0, waitErr
		case r >= 0:
			return int(r), nil
		case r == C.GOCORO_TLS_EOF:
			return 0, io.EOF
		case r == C.GOCORO_TLS_WANT_READ || r == C.GOCORO_TLS_WANT_WRITE:
			if err := w.await(ctx, r); err != nil {
				if err == unix.EIO {
					return 0, io.ErrUnexpectedEOF
				}
				return 0, err
			}
		default:
			return 0, err
		}
	}
}

func (c *Conn) write(ctx context.Context, b []byte) (int, error) {
	if !c.hsDone.Load() {
		if err := c.handshake(ctx); err != nil {
			return 0, err
		}
	}
	f := c.file()
	if err := f.Lock(ctx, netfd.Write); err != nil {
		return 0, err
	}
	defer f.Unlock(netfd.Write)
	if c.rec != nil {
		return c.rec.write(ctx, b)
	}
	written := 0
	w := waiter{c: c, own: netfd.Write}
	for written < len(b) {
		if c.expired(netfd.Write) {
			return written, os.ErrDeadlineExceeded
		}
		// Partial-write mode: each call returns what it wrote (records), so an interrupted Write reports its
		// progress. After a WANT_* the same remaining bytes are passed again, as OpenSSL requires.
		r, err, waitErr := c.opOn(ctx, netfd.Write, opWrite, b[written:], false)
		switch {
		case waitErr != nil:
			return written, waitErr
		case r >= 0:
			written += int(r)
		case r == C.GOCORO_TLS_WANT_READ || r == C.GOCORO_TLS_WANT_WRITE:
			if err := w.await(ctx, r); err != nil {
				if err == unix.EIO {
					err = os.NewSyscallError("write", unix.EPIPE)
				}
				return written, err
			}
		case r == C.GOCORO_TLS_EOF:
			return written, os.NewSyscallError("write", unix.EPIPE)
		default:
			return written, err
		}
	}
	return written, nil
}

// Read reads decrypted data into b (net.Conn), running the handshake first if needed. It returns io.EOF when the
// peer has closed (close_notify, or the socket closed between records as Go's crypto/tls also accepts).
func (c *Conn) Read(b []byte) (int, error) {
	n, err := c.read(context.Background(), b)
	if err != nil {
		return n, newOpError("read", c.file().Laddr, c.file().Raddr, err)
	}
	return n, nil
}

// ReadContext is Read that gives up when ctx ends.
func (c *Conn) ReadContext(ctx context.Context, b []byte) (int, error) {
	n, err := c.read(ctx, b)
	if err != nil {
		return n, newOpError("read", c.file().Laddr, c.file().Raddr, err)
	}
	return n, nil
}

// Write encrypts and writes all of b, or returns how much was written and why it stopped (net.Conn). As in
// crypto/tls, once a Write failed (a deadline or a cancelled context included) on a connection whose records Go
// protects, later Writes return the same error: the records it had protected may have gone out in part.
func (c *Conn) Write(b []byte) (int, error) {
	n, err := c.write(context.Background(), b)
	if err != nil {
		return n, newOpError("write", c.file().Laddr, c.file().Raddr, err)
	}
	return n, nil
}

// WriteContext is Write that gives up when ctx ends.
func (c *Conn) WriteContext(ctx context.Context, b []byte) (int, error) {
	n, err := c.write(ctx, b)
	if err != nil {
		return n, newOpError("write", c.file().Laddr, c.file().Raddr, err)
	}
	return n, nil
}

// CloseWrite sends close_notify (the peer reads io.EOF) and shuts down the socket's sending side; reading goes
// on. Like crypto/tls it needs a completed handshake.
func (c *Conn) CloseWrite() error {
	if !c.hsDone.Load() {
		return newOpError("close", c.file().Laddr, c.file().Raddr, errors.New("tls: CloseWrite before the handshake completed"))
	}
	err := c.closeNotify()
	if err == nil {
		err = c.file().Shutdown(unix.SHUT_WR)
	}
	return newOpError("close", c.file().Laddr, c.file().Raddr, err)
}

func (c *Conn) closeNotify() error {
	ctx := context.Background()
	f := c.file()
	if err := f.Lock(ctx, netfd.Write); err != nil {
		return err
	}
	defer f.Unlock(netfd.Write)
	if c.rec != nil {
		return c.rec.closeNotify(ctx)
	}
	w := waiter{c: c, own: netfd.Write}
	for {
		if c.expired(netfd.Write) {
			return os.ErrDeadlineExceeded
		}
		r, err := c.op(opCloseNotify, nil)
		switch {
		case r == 0:
			return nil
		case r == C.GOCORO_TLS_WANT_READ || r == C.GOCORO_TLS_WANT_WRITE:
			if err := w.await(ctx, r); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			return os.NewSyscallError("write", unix.EPIPE)
		}
	}
}

// Close closes the connection: one non-blocking attempt to send close_notify if the handshake completed (as
// libcoro's tls::client destructor does), then the socket. Goroutines blocked in Read, Write or the handshake
// return errors wrapping net.ErrClosed; the descriptors are closed once all of them have left. A second Close
// returns an error wrapping net.ErrClosed.
func (c *Conn) Close() error {
	if c.hsDone.Load() && c.rec != nil && c.file().Lock(tryLock, netfd.Write) == nil {
		// A Write in progress keeps the lock: its records may be half sent, so no alert can follow them.
		c.rec.closeNotifyNow()
		c.file().Unlock(netfd.Write)
	}
	c.mu.Lock()
	if c.ssl != nil {
		C.gocoro_tls_conn_free(c.ssl)
		c.ssl = nil
	}
	c.session = nil
	c.mu.Unlock()
	if !c.file().Close() {
		return newOpError("close", c.file().Laddr, c.file().Raddr, net.ErrClosed)
	}
	return nil
}

// LocalAddr returns the local address (*net.TCPAddr).
func (c *Conn) LocalAddr() net.Addr { return c.file().Laddr }

// RemoteAddr returns the peer's address (*net.TCPAddr).
func (c *Conn) RemoteAddr() net.Addr { return c.file().Raddr }

// SetDeadline sets the read and write deadlines (net.Conn).
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline bounds pending and future Reads (and the waits for readability of a handshake they run): once
// t has passed they fail with an error for which os.IsTimeout is true. The zero time means no deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.setDeadline(netfd.Read, t) }

// SetWriteDeadline is SetReadDeadline for Writes.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.setDeadline(netfd.Write, t) }

func (c *Conn) setDeadline(dir netfd.Dir, t time.Time) error {
	var ns int64
	if !t.IsZero() {
		if ns = t.UnixNano(); ns == 0 {
			ns = 1
		}
	}
	c.deadline[dir].Store(ns)
	if err := c.file().SetDeadline(dir, t); err != nil {
		return newOpError("set", c.file().Laddr, c.file().Raddr, err)
	}
	return nil
}

// ConnectionState describes a connection after its handshake. Version and CipherSuite use the IANA numbers of
// Go's crypto/tls (tls.VersionName and tls.CipherSuiteName name them).
type ConnectionState struct {
	HandshakeComplete bool
	Version           uint16
	CipherSuite       uint16
	DidResume         bool
	// ServerName is the name the client asked for (client side only).
	ServerName string
	// PeerCertificates is the peer's chain as sent, leaf first (empty if it sent none).
	PeerCertificates []*x509.Certificate
}

// ConnectionState reports the negotiated parameters (zero before the handshake completed or after Close).
func (c *Conn) ConnectionState() ConnectionState {
	var st ConnectionState
	if !c.hsDone.Load() {
		return st
	}
	c.mu.Lock()
	var session sessionState
	switch {
	case c.ssl != nil:
		session = c.sessionLocked()
	case c.session != nil:
		session = *c.session
	default:
		c.mu.Unlock()
		return st
	}
	c.mu.Unlock()
	st.HandshakeComplete = true
	st.Version, st.CipherSuite, st.DidResume = session.version, session.cipher, session.resumed
	if !c.server {
		st.ServerName = c.serverName
	}
	// Parsed outside the lock, which Read and Write need.
	for _, der := range session.peerDER {
		if cert, err := x509.ParseCertificate(der); err == nil {
			st.PeerCertificates = append(st.PeerCertificates, cert)
		}
	}
	return st
}

// sessionState is what OpenSSL's session says of the handshake's outcome (the parts ConnectionState reports).
type sessionState struct {
	version, cipher uint16
	resumed         bool
	peerDER         [][]byte // the peer's chain as sent, leaf first
}

// sessionLocked reads the session's outcome from OpenSSL (c.mu held, c.ssl set).
func (c *Conn) sessionLocked() sessionState {
	var version, cipher C.uint16_t
	var resumed C.int
	C.gocoro_tls_conn_state(c.ssl, &version, &cipher, &resumed)
	st := sessionState{version: uint16(version), cipher: uint16(cipher), resumed: resumed != 0}
	var buf []byte
	for i := 0; ; {
		n := int64(C.gocoro_tls_peer_certificate(c.ssl, C.int(i), unsafe.Pointer(unsafe.SliceData(buf)), C.size_t(len(buf))))
		if n < 0 {
			return st
		}
		if n > int64(len(buf)) {
			buf = make([]byte, max(n, 2048)) // asked again with room for it (certificates are rarely above 2 KiB)
			continue
		}
		st.peerDER = append(st.peerDER, append([]byte(nil), buf[:n]...))
		i++
	}
}

// file is the socket, or for a zero Conn (not made by this package) a closed one: its methods then fail with
// net.ErrClosed instead of crashing.
func (c *Conn) file() *netfd.FD { return netfd.Or(c.fd) }
