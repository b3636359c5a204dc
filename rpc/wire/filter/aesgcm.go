package filter

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// The layout of a sealed body: nonce, ciphertext, tag.
const (
	gcmNonceSize = 12
	gcmTagSize   = 16
)

// AESGCM is the encryption transfer filter: id 'a', name "aes-gcm". It
// seals a body with AES in Galois/Counter Mode under a shared key, which
// both keeps it secret and lets the receiver detect any change to it. A
// sealed body is a 12-byte random nonce followed by the ciphertext and its
// 16-byte tag: 28 bytes more than the body.
//
// Nonces are random, so one key should seal no more than 2³² bodies; rotate
// keys well before that. The key is not kept and never printed: String,
// GoString and LogValue name only its size.
//
// Make an AESGCM with [NewAESGCM]; the zero value refuses to work. An
// AESGCM is safe for concurrent use.
type AESGCM struct {
	aead cipher.AEAD
	bits int
}

var _ wire.Filter = (*AESGCM)(nil)

var _ slog.LogValuer = (*AESGCM)(nil)

// NewAESGCM returns the filter for key, which must be 16, 24 or 32 bytes
// long for AES-128, AES-192 or AES-256. The filter keeps no reference to
// key.
func NewAESGCM(key []byte) (*AESGCM, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("filter: aes-gcm: key of %d bytes; want 16, 24 or 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("filter: aes-gcm: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("filter: aes-gcm: %w", err)
	}
	return &AESGCM{aead: aead, bits: 8 * len(key)}, nil
}

// errNoKey is returned by an AESGCM that was not made by NewAESGCM.
var errNoKey = errors.New("filter: aes-gcm: no key; make the filter with NewAESGCM")

// ID returns 'a'.
func (*AESGCM) ID() byte { return 'a' }

// Name returns "aes-gcm".
func (*AESGCM) Name() string { return "aes-gcm" }

// Encode appends a fresh random nonce and the sealed body to dst. It always
// applies.
func (a *AESGCM) Encode(dst, body []byte) (out []byte, applied bool, err error) {
	if a == nil || a.aead == nil {
		return dst, false, errNoKey
	}
	n := len(dst)
	out = slices.Grow(dst, gcmNonceSize+len(body)+gcmTagSize)[:n+gcmNonceSize]
	nonce := out[n:]
	if _, err := rand.Read(nonce); err != nil {
		return dst, false, fmt.Errorf("filter: aes-gcm: nonce: %w", err)
	}
	return a.aead.Seal(out, nonce, body, nil), true, nil
}

// Decode opens the sealed body data and appends the body to dst. Data too
// short to hold a nonce and a tag, sealed under another key or changed in
// any byte gives an error wrapping wire.ErrIntegrity. A body over limit
// bytes gives an error wrapping wire.ErrTooLarge before anything is
// decrypted or allocated; a limit of zero or less means 4 MiB. On error
// Decode returns dst unchanged.
func (a *AESGCM) Decode(dst, data []byte, limit int) ([]byte, error) {
	if a == nil || a.aead == nil {
		return dst, errNoKey
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	if len(data) < gcmNonceSize+gcmTagSize {
		return dst, fmt.Errorf("filter: aes-gcm: %d bytes, too short for a sealed body: %w", len(data), wire.ErrIntegrity)
	}
	if size := len(data) - gcmNonceSize - gcmTagSize; size > limit {
		return dst, fmt.Errorf("filter: aes-gcm: %d-byte body over the %d-byte limit: %w", size, limit, wire.ErrTooLarge)
	}
	out, err := a.aead.Open(dst, data[:gcmNonceSize], data[gcmNonceSize:], nil)
	if err != nil {
		return dst, fmt.Errorf("filter: aes-gcm: %w: %v", wire.ErrIntegrity, err)
	}
	return out, nil
}

// String describes the filter without its key: "aes-gcm(key redacted,
// 256-bit)".
func (a *AESGCM) String() string {
	if a == nil || a.aead == nil {
		return "aes-gcm(no key)"
	}
	return fmt.Sprintf("aes-gcm(key redacted, %d-bit)", a.bits)
}

// GoString returns the same as String, so that %#v does not print the
// cipher's state either.
func (a *AESGCM) GoString() string { return a.String() }

// LogValue implements slog.LogValuer: the filter logs as its String.
func (a *AESGCM) LogValue() slog.Value { return slog.StringValue(a.String()) }

// DecodedSize returns the size of the body data seals; see
// wire.DecodedSizer.
func (a *AESGCM) DecodedSize(data []byte) int { return max(len(data)-gcmNonceSize-gcmTagSize, 0) }
