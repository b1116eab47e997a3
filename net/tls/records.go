package tls

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"os"
	"slices"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gocoro/gocoro/net/internal/netfd"
)

// records protects a TLS 1.3 connection's application data in Go (RFC 8446 section 5) once OpenSSL has finished its
// handshake and handed over the traffic secrets (cshim gocoro_tls_conn_take_records). Why: OpenSSL 3.0 costs
// 3.4–3.9 µs per small record in its provider layers, Go's AES-GCM a few hundred nanoseconds; with the keys in Go
// the data path is crypto/tls's (read(2) and send(2) through Go's poller, crypto/cipher's AES-GCM), while OpenSSL
// keeps the handshake, the certificates and libcoro's contexts.
//
// Threads: the read side is used under the Conn's read lock, the write side under its write lock; the one thing
// they share is peerAsked.
type records struct {
	fd     *netfd.FD
	server bool

	in      trafficKey
	rbuf    []byte // received bytes; rbuf[r0:r1] not yet processed
	r0, r1  int
	plain   []byte // decrypted application data not yet returned (a view into rbuf)
	hs      []byte // handshake message bytes received but not yet complete
	readErr error  // final: io.EOF after close_notify, or the protocol failure that ended reading
	alert   byte   // the fatal alert that failure owes the peer (0: none), taken by takeAlert

	out      trafficKey
	wbuf     []byte
	wmarks   []recordMark // where each application data record of wbuf ends, for Write's count after a failure
	writeErr error        // final: after a failed send the peer's view of the record stream is unknown (as in crypto/tls)

	// The peer's KeyUpdate asked for ours: sent before our next record (RFC 8446 4.6.3 allows the delay).
	peerAsked atomic.Bool
}

const (
	recordHeaderLen = 5
	maxPlaintext    = 1 << 14
	maxCiphertext   = maxPlaintext + 256 // TLSCiphertext.length limit (RFC 8446 5.2)
	maxHandshakeMsg = 1 << 16            // post-handshake messages are small; this bounds a peer's buffering

	recordAlert       = 21
	recordHandshake   = 22
	recordApplication = 23

	msgNewSessionTicket = 4
	msgKeyUpdate        = 24

	alertCloseNotify       = 0
	alertUnexpectedMessage = 10
	alertBadRecordMAC      = 20
	alertRecordOverflow    = 22
	alertDecodeError       = 50
	alertInternalError     = 80
	alertUserCanceled      = 90

	// writeBatch bounds the records sealed into one send(2): large writes go out in a few system calls without
	// holding more than this much ciphertext.
	writeBatch = 64 << 10
)

// keyUpdateAfter is how many records this side sends under one key before it updates its key and asks the peer to
// update its own (RFC 8446 5.5: at most 2^24.5 records per AES-GCM key; Go's crypto/tls never starts an update, so
// asking keeps the peer's direction within the bound too). A variable for tests.
var keyUpdateAfter uint64 = 1 << 24

// trafficKey is one direction's AEAD state, derived from its traffic secret (RFC 8446 7.3).
type trafficKey struct {
	hash   func() hash.Hash
	keyLen int
	secret []byte
	aead   cipher.AEAD
	iv     [12]byte
	nonce  [12]byte // per-record nonce, kept here so that sealing and opening allocate nothing
	seq    uint64
}

// newRecords builds the record layer from the secrets OpenSSL handed over (cipher: 0x1301 or 0x1302).
func newRecords(fd *netfd.FD, server bool, cipherSuite uint16, readSecret, writeSecret []byte) (*records, error) {
	r := &records{fd: fd, server: server}
	h, keyLen := sha256.New, 16
	if cipherSuite == 0x1302 {
		h, keyLen = sha512.New384, 32
	}
	r.in = trafficKey{hash: h, keyLen: keyLen}
	r.out = trafficKey{hash: h, keyLen: keyLen}
	if err := r.in.set(slices.Clone(readSecret)); err != nil {
		return nil, err
	}
	if err := r.out.set(slices.Clone(writeSecret)); err != nil {
		return nil, err
	}
	return r, nil
}

// expandLabel is HKDF-Expand-Label with an empty context (RFC 8446 7.1).
func expandLabel(h func() hash.Hash, secret []byte, label string, length int) ([]byte, error) {
	info := make([]byte, 0, 4+6+len(label))
	info = binary.BigEndian.AppendUint16(info, uint16(length))
	info = append(info, byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, 0)
	return hkdf.Expand(h, secret, string(info), length)
}

func (k *trafficKey) set(secret []byte) error {
	key, err := expandLabel(k.hash, secret, "key", k.keyLen)
	if err != nil {
		return err
	}
	iv, err := expandLabel(k.hash, secret, "iv", len(k.iv))
	if err != nil {
		return err
	}
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	clear(k.secret)
	k.secret, k.aead, k.seq = secret, aead, 0
	copy(k.iv[:], iv)
	return nil
}

// update moves to the next traffic secret (KeyUpdate, RFC 8446 7.2).
func (k *trafficKey) update() error {
	next, err := expandLabel(k.hash, k.secret, "traffic upd", len(k.secret))
	if err != nil {
		return err
	}
	return k.set(next)
}

// nextNonce is the per-record nonce: the IV XOR the sequence number (RFC 8446 5.3); it advances the number.
func (k *trafficKey) nextNonce() []byte {
	k.nonce = k.iv
	for i := 0; i < 8; i++ {
		k.nonce[4+i] ^= byte(k.seq >> (56 - 8*i))
	}
	k.seq++
	return k.nonce[:]
}

// seal appends one protected record of inner content type typ carrying data to dst.
func (k *trafficKey) seal(dst []byte, typ byte, data []byte) []byte {
	n := len(data) + 1 + k.aead.Overhead()
	dst = slices.Grow(dst, recordHeaderLen+n)
	h := len(dst)
	dst = append(dst, recordApplication, 3, 3, byte(n>>8), byte(n))
	dst = append(dst, data...)
	dst = append(dst, typ)
	// In place: the plaintext's storage takes the ciphertext and the tag (capacity reserved above).
	k.aead.Seal(dst[h+recordHeaderLen:h+recordHeaderLen], k.nextNonce(), dst[h+recordHeaderLen:], dst[h:h+recordHeaderLen])
	return dst[:h+recordHeaderLen+n]
}

// protocolError ends reading or writing for good.
func protocolError(reason string) error { return &Error{Reason: reason} }

// alertNames are RFC 8446 section 6's alert descriptions, spelled as OpenSSL's messages spell them.
var alertNames = map[byte]string{
	10: "unexpected message", 20: "bad record mac", 22: "record overflow", 40: "handshake failure",
	42: "bad certificate", 43: "unsupported certificate", 44: "certificate revoked", 45: "certificate expired",
	46: "certificate unknown", 47: "illegal parameter", 48: "unknown ca", 49: "access denied", 50: "decode error",
	51: "decrypt error", 70: "protocol version", 71: "insufficient security", 80: "internal error",
	86: "inappropriate fallback", 109: "missing extension", 110: "unsupported extension", 112: "unrecognized name",
	113: "bad certificate status response", 115: "unknown psk identity", 116: "certificate required",
	120: "no application protocol",
}

func alertName(a byte) string {
	if s, ok := alertNames[a]; ok {
		return s
	}
	return "alert(" + strconv.Itoa(int(a)) + ")"
}

// read returns decrypted application data, reading and opening records as needed.
func (r *records) read(ctx context.Context, b []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.readErr != nil {
			return 0, r.readErr
		}
		if err := r.readRecord(ctx); err != nil {
			return 0, err
		}
	}
	n := copy(b, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// readRecord reads, opens and handles one record. Protocol failures and the peer's close_notify are final;
// I/O errors (a deadline, a cancelled context, a closed Conn) leave the stream where it was.
func (r *records) readRecord(ctx context.Context) error {
	if err := r.fill(ctx, recordHeaderLen); err != nil {
		return err
	}
	hdr := r.rbuf[r.r0 : r.r0+recordHeaderLen]
	n := int(binary.BigEndian.Uint16(hdr[3:]))
	switch {
	case hdr[0] != recordApplication: // every record after the handshake is protected (RFC 8446 5)
		return r.fail(alertUnexpectedMessage, "unexpected record type "+strconv.Itoa(int(hdr[0]))+" after the handshake")
	case hdr[1] != 3 || hdr[2] != 3:
		return r.fail(alertDecodeError, "invalid record version")
	case n > maxCiphertext:
		return r.fail(alertRecordOverflow, "record overflow")
	}
	if err := r.fill(ctx, recordHeaderLen+n); err != nil {
		return err
	}
	rec := r.rbuf[r.r0 : r.r0+recordHeaderLen+n]
	r.r0 += recordHeaderLen + n
	if r.in.seq == ^uint64(0) {
		return r.fail(alertInternalError, "record sequence number exhausted")
	}
	body, err := r.in.aead.Open(rec[recordHeaderLen:recordHeaderLen], r.in.nextNonce(), rec[recordHeaderLen:], rec[:recordHeaderLen])
	if err != nil {
		return r.fail(alertBadRecordMAC, "bad record mac")
	}
	// TLSInnerPlaintext: content, the real type, zero padding; 2^14 + 1 bytes at most (RFC 8446 5.4).
	if len(body) > maxPlaintext+1 {
		return r.fail(alertRecordOverflow, "record overflow")
	}
	i := len(body) - 1
	for i >= 0 && body[i] == 0 {
		i--
	}
	if i < 0 {
		return r.fail(alertUnexpectedMessage, "record without a content type")
	}
	typ, body := body[i], body[:i]
	if typ != recordHandshake && len(r.hs) > 0 {
		return r.fail(alertUnexpectedMessage, "handshake message interleaved with other records")
	}
	switch typ {
	case recordApplication:
		r.plain = body
		return nil
	case recordAlert:
		if len(body) != 2 {
			return r.fail(alertDecodeError, "malformed alert")
		}
		switch body[1] {
		case alertCloseNotify:
			r.readErr = io.EOF
			return io.EOF
		case alertUserCanceled: // a warning, followed by close_notify (RFC 8446 6.1)
			return nil
		}
		r.readErr = protocolError("alert from the peer: " + alertName(body[1]))
		return r.readErr
	case recordHandshake:
		if len(body) == 0 {
			return r.fail(alertUnexpectedMessage, "empty handshake record")
		}
		r.hs = append(r.hs, body...)
		return r.handshakeMessages()
	}
	return r.fail(alertUnexpectedMessage, "unexpected record content type "+strconv.Itoa(int(typ)))
}

// handshakeMessages handles the complete post-handshake messages received so far.
func (r *records) handshakeMessages() error {
	for len(r.hs) >= 4 {
		n := int(r.hs[1])<<16 | int(r.hs[2])<<8 | int(r.hs[3])
		if n > maxHandshakeMsg {
			return r.fail(alertUnexpectedMessage, "handshake message too large")
		}
		if len(r.hs) < 4+n {
			return nil // continued in the next record
		}
		typ, body := r.hs[0], r.hs[4:4+n]
		r.hs = r.hs[4+n:]
		switch {
		case typ == msgNewSessionTicket && !r.server:
			// This package's clients do not resume sessions: the ticket is not needed.
		case typ == msgKeyUpdate:
			if len(body) != 1 || body[0] > 1 {
				return r.fail(alertDecodeError, "malformed KeyUpdate")
			}
			if len(r.hs) > 0 { // the key changes at the end of this record (RFC 8446 5.1)
				return r.fail(alertUnexpectedMessage, "KeyUpdate not at the end of a record")
			}
			if body[0] == 1 {
				r.peerAsked.Store(true)
			}
			if err := r.in.update(); err != nil {
				return r.fail(alertInternalError, err.Error())
			}
		default:
			return r.fail(alertUnexpectedMessage, "unexpected handshake message type "+strconv.Itoa(int(typ))+" after the handshake")
		}
	}
	if len(r.hs) == 0 {
		r.hs = nil
	}
	return nil
}

// fail ends reading for good; the peer is told why with a fatal alert (see takeAlert).
func (r *records) fail(alert byte, reason string) error {
	r.alert = alert
	r.readErr = protocolError(reason)
	return r.readErr
}

// fill reads until rbuf[r0:] holds at least need bytes: io.EOF if the peer's stream ends between records,
// io.ErrUnexpectedEOF inside one.
func (r *records) fill(ctx context.Context, need int) error {
	if r.r0 == r.r1 {
		r.r0, r.r1 = 0, 0
	}
	for r.r1-r.r0 < need {
		if r.r0+need > len(r.rbuf) {
			buf := r.rbuf
			if need > len(buf) {
				// Small first (what an idle connection costs), grown when a larger record arrives.
				buf = make([]byte, max(4096, need+4096))
			}
			r.r1 = copy(buf, r.rbuf[r.r0:r.r1])
			r.r0, r.rbuf = 0, buf
		}
		n, err := r.fd.Read(ctx, r.rbuf[r.r1:])
		if err != nil {
			if e, ok := err.(unix.Errno); ok {
				err = os.NewSyscallError("read", e)
			}
			return err
		}
		if n == 0 {
			if r.r1 == r.r0 {
				return io.EOF
			}
			return io.ErrUnexpectedEOF
		}
		r.r1 += n
	}
	return nil
}

// write protects b into records and sends them; it returns how much of b went out in records sent whole.
func (r *records) write(ctx context.Context, b []byte) (int, error) {
	if r.writeErr != nil {
		return 0, r.writeErr
	}
	written := 0
	for written < len(b) {
		r.wbuf, r.wmarks = r.wbuf[:0], r.wmarks[:0]
		if err := r.keyUpdate(); err != nil {
			return written, err
		}
		batch := written
		for batch < len(b) && len(r.wbuf) < writeBatch && r.out.seq < keyUpdateAfter {
			n := min(len(b)-batch, maxPlaintext)
			r.wbuf = r.out.seal(r.wbuf, recordApplication, b[batch:batch+n])
			batch += n
			r.wmarks = append(r.wmarks, recordMark{sealed: len(r.wbuf), plain: batch})
		}
		if sent, err := r.flush(ctx); err != nil {
			// As crypto/tls counts: the plaintext of the records that went out whole.
			for _, m := range r.wmarks {
				if m.sealed <= sent {
					written = m.plain
				}
			}
			return written, err
		}
		written = batch
	}
	return written, nil
}

// recordMark is the end of a record in wbuf and of its plaintext in the Write's buffer.
type recordMark struct{ sealed, plain int }

// keyUpdate appends a KeyUpdate to wbuf and moves to the next write key when this key has protected enough
// records or the peer asked for it.
func (r *records) keyUpdate() error {
	own := r.out.seq >= keyUpdateAfter
	if !own && !r.peerAsked.Load() {
		return nil
	}
	r.peerAsked.Store(false)
	ask := byte(0)
	if own {
		ask = 1
	}
	r.wbuf = r.out.seal(r.wbuf, recordHandshake, []byte{msgKeyUpdate, 0, 0, 1, ask})
	if err := r.out.update(); err != nil {
		r.writeErr = protocolError(err.Error())
		return r.writeErr
	}
	return nil
}

// flush sends wbuf and reports how much of it went out. Any failure is final: records already sealed used their
// sequence numbers.
func (r *records) flush(ctx context.Context) (sent int, err error) {
	for sent < len(r.wbuf) {
		n, err := r.fd.Write(ctx, r.wbuf[sent:])
		sent += max(n, 0)
		if err != nil {
			if e, ok := err.(unix.Errno); ok {
				err = os.NewSyscallError("write", e)
			}
			r.writeErr = err
			return sent, err
		}
	}
	return sent, nil
}

// closeNotify sends close_notify, waiting for the socket as needed; later writes fail.
func (r *records) closeNotify(ctx context.Context) error {
	if r.writeErr != nil {
		return r.writeErr
	}
	r.wbuf = r.out.seal(r.wbuf[:0], recordAlert, []byte{1, alertCloseNotify})
	if _, err := r.flush(ctx); err != nil {
		return err
	}
	r.writeErr = errShutdown
	return nil
}

// closeNotifyNow makes one non-blocking attempt to send close_notify (Close's courtesy, as OpenSSL's was).
func (r *records) closeNotifyNow() { r.alertNow(1, alertCloseNotify, errShutdown) }

// takeAlert returns the fatal alert a read failure owes the peer, once (read side).
func (r *records) takeAlert() (byte, bool) {
	a := r.alert
	r.alert = 0
	return a, a != 0
}

// fatalAlertNow makes one non-blocking attempt to send a fatal alert; later writes fail with cause (write side).
func (r *records) fatalAlertNow(alert byte, cause error) { r.alertNow(2, alert, cause) }

// alertNow seals one alert and makes one non-blocking attempt to send it; later writes fail with after.
func (r *records) alertNow(level, desc byte, after error) {
	if r.writeErr != nil {
		return
	}
	r.wbuf = r.out.seal(r.wbuf[:0], recordAlert, []byte{level, desc})
	_, _ = unix.SendmsgN(r.fd.Sysfd, r.wbuf, nil, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	r.writeErr = after
}

var errShutdown = errors.New("tls: protocol is shutdown")
