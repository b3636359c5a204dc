// Package dnsmsg encodes and decodes DNS messages (RFC 1035) with the
// parts multicast DNS adds (RFC 6762): the unicast-response bit of a
// question and the cache-flush bit of a record. It knows the record types
// DNS-SD service discovery needs (A, AAAA, PTR, SRV, TXT) and skips
// others when decoding.
//
// [Message.Append] compresses names; [Message.Decode] follows compression
// pointers only backwards and at most [MaxPointerHops] times, so a
// pointer loop is an error, not a hang. Decode checks every length against
// the input, never panics on any input (it is fuzzed), and checks the
// header's counts against the input's size before it allocates, so that
// a small packet claiming 65535 records costs nothing. Errors wrap the
// sentinels [ErrTruncated], [ErrPointer], [ErrLabelTooLong],
// [ErrNameTooLong], [ErrStringTooLong], [ErrRecord] and
// [ErrMessageTooLong].
//
// Names are in presentation form ("web._http._tcp.local."); a dot or
// backslash inside a label is escaped with a backslash ([EscapeLabel]).
//
// A Message is not safe for concurrent use; the functions are.
package dnsmsg
