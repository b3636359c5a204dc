package codec_test

import (
	"strings"
	"testing"

	"github.com/dmicro-go/dmicro/codec"
	"github.com/dmicro-go/dmicro/internal/benchpb"
	"google.golang.org/protobuf/proto"
)

// order is a plain Go value of about the benchmark message's size, for the
// codecs that take structs (json, xml, form).
type order struct {
	ID          int64    `json:"id" xml:"id" form:"id"`
	RequestID   string   `json:"request_id" xml:"request_id" form:"request_id"`
	UserName    string   `json:"user_name" xml:"user_name" form:"user_name"`
	Email       string   `json:"email" xml:"email" form:"email"`
	Title       string   `json:"title" xml:"title" form:"title"`
	Description string   `json:"description" xml:"description" form:"description"`
	Currency    string   `json:"currency" xml:"currency" form:"currency"`
	ItemCount   int      `json:"item_count" xml:"item_count" form:"item_count"`
	Total       int64    `json:"total" xml:"total" form:"total"`
	Score       float64  `json:"score" xml:"score" form:"score"`
	Active      bool     `json:"active" xml:"active" form:"active"`
	Tags        []string `json:"tags" xml:"tags" form:"tags"`
}

func sampleOrder() order {
	return order{
		ID: 1234567890123, RequestID: "req-7f3a9c2e-41d8-4b6a-9e15-0c2d8f4b7a61", UserName: "liwei.zhang",
		Email: "liwei.zhang@example.com", Title: "Rack order #582137",
		Description: "Order confirmed; ships in 3 days. " + strings.Repeat("Handle with care. ", 12),
		Currency:    "CNY", ItemCount: 17, Total: 1299900, Score: 0.9375, Active: true,
		Tags: []string{"priority", "wholesale", "east-china", "net-30", "fragile"},
	}
}

// BenchmarkCodec measures Marshal and Unmarshal of each codec on a value
// of about 581 encoded bytes: the benchmark message for protobuf (and, as
// a struct, for json), a struct of the same fields for xml and form, and a
// 581-byte string for plain.
func BenchmarkCodec(b *testing.B) {
	type tc struct {
		name  string
		c     codec.Codec
		value any
		fresh func() any // a new value to decode into
	}
	cases := []tc{
		{"protobuf", codec.Protobuf{}, benchpb.Sample(), func() any { return new(benchpb.BenchmarkMessage) }},
		{"json", codec.JSON{}, benchpb.Sample(), func() any { return new(benchpb.BenchmarkMessage) }},
		{"json-struct", codec.JSON{}, sampleOrder(), func() any { return new(order) }},
		{"xml", codec.XML{}, sampleOrder(), func() any { return new(order) }},
		{"form", codec.Form{}, sampleOrder(), func() any { return new(order) }},
		{"plain", codec.Plain{}, strings.Repeat("x", benchpb.SampleSize), func() any { return new(string) }},
	}
	for _, c := range cases {
		data, err := c.c.Marshal(nil, c.value)
		if err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		b.Run(c.name+"/marshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			buf := make([]byte, 0, 2*len(data))
			for b.Loop() {
				if _, err := c.c.Marshal(buf[:0], c.value); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := c.c.Unmarshal(data, c.fresh()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProtobufGenerated compares, on the benchmark message, the
// methods protoc-gen-dmicro generates (which codec.Protobuf uses) with
// google.golang.org/protobuf's reflection-driven marshalling of the same
// message.
func BenchmarkProtobufGenerated(b *testing.B) {
	msg := benchpb.Sample()
	data, err := proto.Marshal(msg)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 2*len(data))
	cases := []struct {
		name      string
		marshal   func() error
		unmarshal func(m *benchpb.BenchmarkMessage) error
	}{
		{"generated", func() error { _, err := msg.DmicroMarshalAppend(buf[:0]); return err },
			func(m *benchpb.BenchmarkMessage) error { return m.DmicroUnmarshal(data) }},
		{"proto", func() error { _, err := (proto.MarshalOptions{}).MarshalAppend(buf[:0], msg); return err },
			func(m *benchpb.BenchmarkMessage) error { return proto.Unmarshal(data, m) }},
	}
	for _, c := range cases {
		b.Run(c.name+"/marshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := c.marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := c.unmarshal(new(benchpb.BenchmarkMessage)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
