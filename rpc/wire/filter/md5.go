package filter

import (
	"bytes"
	"crypto/md5"
	"fmt"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

// MD5 is the checksum transfer filter: id '5', name "md5". It appends the
// 16-byte MD5 digest of the body, and Decode checks and strips it.
//
// MD5 detects corruption, not tampering: anyone who can change the body can
// recompute its digest. Use [AESGCM] against an attacker. MD5 has no state
// and is safe for concurrent use; neither method allocates when dst has
// room.
type MD5 struct{}

var _ wire.Filter = MD5{}

// ID returns '5'.
func (MD5) ID() byte { return '5' }

// Name returns "md5".
func (MD5) Name() string { return "md5" }

// Encode appends body and then its MD5 digest to dst. It always applies.
func (MD5) Encode(dst, body []byte) (out []byte, applied bool, err error) {
	sum := md5.Sum(body)
	dst = append(dst, body...)
	return append(dst, sum[:]...), true, nil
}

// Decode checks the digest at the end of data and appends the body before
// it to dst. Data shorter than a digest or whose digest does not match
// gives an error wrapping wire.ErrIntegrity, a body over limit bytes one
// wrapping wire.ErrTooLarge; a limit of zero or less means 4 MiB. On error
// Decode returns dst unchanged.
func (MD5) Decode(dst, data []byte, limit int) ([]byte, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	if len(data) < md5.Size {
		return dst, fmt.Errorf("filter: md5: %d bytes, shorter than a digest: %w", len(data), wire.ErrIntegrity)
	}
	body, want := data[:len(data)-md5.Size], data[len(data)-md5.Size:]
	if len(body) > limit {
		return dst, fmt.Errorf("filter: md5: %d-byte body over the %d-byte limit: %w", len(body), limit, wire.ErrTooLarge)
	}
	if got := md5.Sum(body); !bytes.Equal(got[:], want) {
		return dst, fmt.Errorf("filter: md5: digest mismatch: %w", wire.ErrIntegrity)
	}
	return append(dst, body...), nil
}

// DecodedSize returns the size of the body data holds; see
// wire.DecodedSizer.
func (MD5) DecodedSize(data []byte) int { return max(len(data)-md5.Size, 0) }
