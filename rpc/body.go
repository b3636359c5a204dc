package rpc

import (
	"fmt"

	"github.com/dmicro-go/dmicro/codec"
)

// Raw is a body that is already encoded. As an argument or reply it is sent
// as it is, with its Codec id; as the reply target (*Raw) it receives the
// bytes undecoded. Proxies use it to pass bodies through.
type Raw struct {
	Codec byte
	Data  []byte
}

// encodeBody appends the encoding of v to dst with the codec c. It returns
// the codec id the frame must name: 0 for a nil body, Raw's own id for Raw.
func encodeBody(dst []byte, v any, c codec.Codec) ([]byte, byte, error) {
	switch b := v.(type) {
	case nil:
		return dst, 0, nil
	case Raw:
		return append(dst, b.Data...), b.Codec, nil
	case *Raw:
		return append(dst, b.Data...), b.Codec, nil
	}
	out, err := c.Marshal(dst, v)
	if err != nil {
		return dst, 0, WrapStatus(CodeCodec, "encode "+c.Name()+" body", err)
	}
	return out, c.ID(), nil
}

// decodeBody decodes data, encoded with codec id, into v. An empty body
// leaves v as it is. A *Raw target gets a copy of the bytes.
func decodeBody(codecs *codec.Set, data []byte, id byte, v any) error {
	if v == nil {
		return nil
	}
	if r, ok := v.(*Raw); ok {
		r.Codec = id
		r.Data = append(r.Data[:0], data...)
		return nil
	}
	if len(data) == 0 {
		return nil
	}
	c := codecs.ByID(id)
	if c == nil {
		return NewStatus(CodeCodec, fmt.Sprintf("unknown body codec id %d", id))
	}
	if err := c.Unmarshal(data, v); err != nil {
		return WrapStatus(CodeCodec, "decode "+c.Name()+" body", err)
	}
	return nil
}
