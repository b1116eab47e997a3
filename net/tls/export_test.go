package tls

import "slices"

// RecordsInGo reports whether c's records are protected in Go (records) after its handshake.
func RecordsInGo(c *Conn) bool { return c.hsDone.Load() && c.rec != nil }

// HoldsOpenSSLSession reports whether c still holds its OpenSSL session object.
func HoldsOpenSSLSession(c *Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ssl != nil
}

// KeySeqs reports how many records c has read and written under its current keys (call between operations).
func KeySeqs(c *Conn) (in, out uint64) { return c.rec.in.seq, c.rec.out.seq }

// SetKeyUpdateAfter changes keyUpdateAfter until the returned function restores it (no Conn may be in use then).
func SetKeyUpdateAfter(n uint64) (restore func()) {
	old := keyUpdateAfter
	keyUpdateAfter = n
	return func() { keyUpdateAfter = old }
}

// SealRecord protects one record as a peer holding the traffic secret sends its seq-th record under it: content
// data, inner content type typ, then pad zero bytes.
func SealRecord(suite uint16, secret []byte, seq uint64, typ byte, data []byte, pad int) []byte {
	r, err := newRecords(nil, false, suite, secret, secret)
	if err != nil {
		panic(err)
	}
	k := &r.out
	k.seq = seq
	inner := append(append(slices.Clone(data), typ), make([]byte, pad)...)
	n := len(inner) + k.aead.Overhead()
	hdr := []byte{recordApplication, 3, 3, byte(n >> 8), byte(n)}
	return k.aead.Seal(hdr, k.nextNonce(), inner, hdr)
}

// NextSecret is the traffic secret after a KeyUpdate.
func NextSecret(suite uint16, secret []byte) []byte {
	r, err := newRecords(nil, false, suite, secret, secret)
	if err != nil {
		panic(err)
	}
	next, err := expandLabel(r.out.hash, secret, "traffic upd", len(secret))
	if err != nil {
		panic(err)
	}
	return next
}
