package dnsmsg

import (
	"errors"
	"net/netip"
)

// Record and question types this package understands. Records of other
// types are skipped when a message is decoded.
const (
	TypeA    uint16 = 1
	TypePTR  uint16 = 12
	TypeTXT  uint16 = 16
	TypeAAAA uint16 = 28
	TypeSRV  uint16 = 33
	TypeANY  uint16 = 255
)

// ClassIN is the Internet class, the only one mDNS uses.
const ClassIN uint16 = 1

// Header flag bits.
const (
	FlagResponse      uint16 = 1 << 15 // QR: the message is a response
	FlagAuthoritative uint16 = 1 << 10 // AA
	FlagTruncated     uint16 = 1 << 9  // TC: more known answers follow
)

// topBit is the class field's top bit: the unicast-response (QU) bit in a
// question, the cache-flush bit in a record (RFC 6762 §5.4, §10.2).
const topBit uint16 = 1 << 15

// Limits of the wire format (RFC 1035 §2.3.4).
const (
	MaxLabel  = 63  // bytes in one label
	MaxName   = 255 // bytes of a name on the wire
	MaxString = 255 // bytes of one TXT string
	// MaxPointerHops is the most compression pointers one name may follow.
	MaxPointerHops = 64
	headerLen      = 12
	minQuestion    = 5  // root name, type, class
	minRecord      = 11 // root name, type, class, ttl, rdlength
)

// Errors of encoding and decoding, wrapped with where they happened.
var (
	// ErrTruncated: the message ends before what its header or a length
	// promises.
	ErrTruncated = errors.New("dnsmsg: message truncated")
	// ErrPointer: a compression pointer that loops, points forward, or
	// makes a name follow more than MaxPointerHops pointers.
	ErrPointer = errors.New("dnsmsg: bad compression pointer")
	// ErrLabelTooLong: a label over MaxLabel bytes, or an empty label
	// inside a name.
	ErrLabelTooLong = errors.New("dnsmsg: label too long")
	// ErrNameTooLong: a name over MaxName bytes on the wire.
	ErrNameTooLong = errors.New("dnsmsg: name too long")
	// ErrStringTooLong: a TXT string over MaxString bytes.
	ErrStringTooLong = errors.New("dnsmsg: TXT string too long")
	// ErrRecord: record data whose length does not fit its type.
	ErrRecord = errors.New("dnsmsg: malformed record data")
	// ErrMessageTooLong: an encoded message over 65535 bytes.
	ErrMessageTooLong = errors.New("dnsmsg: message too long")
)

// Question asks for records of a name and type.
type Question struct {
	Name  string // presentation form, ending in a dot: "_x._tcp.local."
	Type  uint16
	Class uint16 // without the unicast-response bit
	// Unicast is the QU bit: the asker wants the answer sent to it
	// directly (RFC 6762 §5.4).
	Unicast bool
}

// Record is one resource record. Which data fields count depends on
// Type: Addr for A and AAAA, Target for PTR, Target, Priority, Weight and
// Port for SRV, Text for TXT.
type Record struct {
	Name  string
	Type  uint16
	Class uint16 // without the cache-flush bit
	// CacheFlush is the cache-flush bit: this record replaces every
	// cached record of its name and type (RFC 6762 §10.2).
	CacheFlush bool
	TTL        uint32 // seconds; 0 is an mDNS goodbye

	Addr     netip.Addr
	Target   string
	Priority uint16
	Weight   uint16
	Port     uint16
	Text     []string
}

// Message is a DNS message. Decode reuses its slices.
type Message struct {
	ID          uint16
	Flags       uint16
	Questions   []Question
	Answers     []Record
	Authorities []Record
	Additionals []Record
}

// Response reports whether the message is a response (QR set).
func (m *Message) Response() bool { return m.Flags&FlagResponse != 0 }
