// Package filter implements the transfer filters of the rpc toolkit:
// transformations of a message body that the sender applies on its way out
// and the receiver undoes on its way in.
//
// There are three, each a [wire.Filter]:
//
//   - [Gzip], id 'z', compresses bodies of 1 KiB or more (its MinSize),
//     and only when that makes them smaller. Use it for large text bodies
//     (JSON, logs) on slow links; it costs CPU and helps nothing on small or
//     already compressed bodies.
//   - [MD5], id '5', appends a 16-byte digest and checks it. Use it to
//     detect corruption on transports without their own checksum. It does
//     not protect against tampering: anyone can recompute the digest.
//   - [AESGCM], id 'a', seals a body with AES-GCM under a shared key, for
//     secrecy and tamper detection in one; it needs no MD5 beside it.
//
// Filters stack: a frame lists the ids of those applied, in order, and the
// receiver undoes them in reverse. Compress before sealing, since a sealed
// body does not compress: gzip, then md5 if wanted, then aes-gcm. Example
// shows a full round trip.
//
// Every Decode takes a limit, the most bytes it may produce. A body that
// would exceed it gives an error wrapping [wire.ErrTooLarge], and no filter
// allocates more than about twice limit bytes to find that out: MD5 and
// AESGCM check the size first, and Gzip stops decompressing at limit+1
// bytes, so a small zip bomb cannot make the receiver hold its expanded
// size. A limit of zero or less means 4 MiB
// ([wire.DefaultMaxMessageSize]), never "no limit". Data that fails a
// filter's check gives an error wrapping [wire.ErrIntegrity]. Encode and
// Decode append to dst, as the append built-in does, and return dst
// unchanged on error; dst must not overlap the input.
//
// All three filters are safe for concurrent use. Gzip and MD5 are plain
// values; Gzip draws its compressors from package-wide pools.
package filter

import "github.com/dmicro-go/dmicro/rpc/wire"

// defaultLimit is the Decode limit when the caller gives zero or less.
const defaultLimit = wire.DefaultMaxMessageSize
