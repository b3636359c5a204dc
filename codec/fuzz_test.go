package codec

import (
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"net/url"
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// fuzzRoundTrip decodes data with c into a value made by newTarget. When
// that succeeds, the value must marshal, and the result must decode into a
// value equal to the first. The input is overwritten before the comparison,
// so that a decoded value still referring to it shows up as a difference.
func fuzzRoundTrip(t *testing.T, c Codec, data []byte, newTarget func() any, equal func(a, b any) bool) {
	t.Helper()
	in := append([]byte(nil), data...)
	v1 := newTarget()
	if err := c.Unmarshal(in, v1); err != nil {
		if !errors.Is(err, ErrDecode) {
			t.Fatalf("%s.Unmarshal(%q) into %T: error %v does not wrap ErrDecode", c.Name(), data, v1, err)
		}
		return
	}
	b1, err := c.Marshal(nil, v1)
	if err != nil {
		t.Fatalf("%s.Marshal of %#v, decoded from %q: %v", c.Name(), v1, data, err)
	}
	for i := range in {
		in[i] = ^in[i]
	}
	v2 := newTarget()
	if err := c.Unmarshal(b1, v2); err != nil {
		t.Fatalf("%s.Unmarshal(%q), the encoding of %#v: %v", c.Name(), b1, v1, err)
	}
	if !equal(v1, v2) {
		t.Fatalf("%s round trip of %q:\nfirst  %#v\nsecond %#v\nvia %q", c.Name(), data, v1, v2, b1)
	}
}

// addSeeds adds the encodings of values, then garbage, to the corpus of f.
func addSeeds(f *testing.F, c Codec, values []any, garbage ...string) {
	f.Helper()
	for _, v := range values {
		b, err := c.Marshal(nil, v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, g := range garbage {
		f.Add([]byte(g))
	}
}

// equalNaN is reflect.DeepEqual, except that a NaN equals a NaN.
func equalNaN(a, b any) bool {
	return deepEqualNaN(reflect.ValueOf(a), reflect.ValueOf(b))
}

func deepEqualNaN(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || math.IsNaN(x) && math.IsNaN(y)
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return deepEqualNaN(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.IsNil() != b.IsNil() {
			return false
		}
		fallthrough
	case reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !deepEqualNaN(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for it := a.MapRange(); it.Next(); {
			if !deepEqualNaN(it.Value(), b.MapIndex(it.Key())) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !deepEqualNaN(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return a.Equal(b)
}

func protoEqual(a, b any) bool {
	return proto.Equal(a.(proto.Message), b.(proto.Message))
}

// fuzzJSONValue is the struct target of FuzzJSON.
type fuzzJSONValue struct {
	Name  string           `json:"name"`
	N     int64            `json:"n"`
	F     float64          `json:"f"`
	Ok    bool             `json:"ok"`
	Tags  []string         `json:"tags"`
	Attrs map[string]int   `json:"attrs"`
	Data  []byte           `json:"data"`
	Next  *fuzzJSONValue   `json:"next"`
	Any   any              `json:"any"`
	Raw   json.RawMessage  `json:"raw,omitempty"` // a nil RawMessage marshals as null, which decodes as "null"
	U8s   [2]uint8         `json:"u8s"`
	Ptrs  map[string]*bool `json:"ptrs"`
}

func FuzzJSON(f *testing.F) {
	addSeeds(f, JSON{}, []any{
		fuzzJSONValue{
			Name: "a\u00e9\n", N: -3, F: 1.5e-7, Ok: true, Tags: []string{"x", ""},
			Attrs: map[string]int{"k": 1}, Data: []byte{0, 255},
			Next: &fuzzJSONValue{Name: "inner"}, Any: map[string]any{"l": []any{1.0, "s", nil}},
			Raw: json.RawMessage(`[true]`), U8s: [2]uint8{1, 2}, Ptrs: map[string]*bool{"p": new(true)},
		},
		fuzzJSONValue{},
		nil,
	}, "", "{", `{"n":1e400}`, `{"name":"\ud800"}`, "\xff\xfe", `[1,2`, `{"NAME":"case"}`, `"str"`)
	targets := []func() any{
		func() any { return new(fuzzJSONValue) },
		func() any { return new(any) },
		func() any { return new(json.RawMessage) },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range targets {
			fuzzRoundTrip(t, JSON{}, data, target, equalNaN)
		}
	})
}

func FuzzProtobuf(f *testing.F) {
	st, err := structpb.NewStruct(map[string]any{
		"name": "a", "n": 1.5, "ok": true, "none": nil,
		"list": []any{"x", -2.0}, "nested": map[string]any{"k": "v"},
	})
	if err != nil {
		f.Fatal(err)
	}
	addSeeds(f, Protobuf{}, []any{
		structpb.NewStructValue(st),
		structpb.NewNumberValue(math.Inf(1)),
		wrapperspb.Bytes([]byte{0, 1, 2}),
		wrapperspb.String("héllo"),
	}, "", "\x0a\x05a", "\xff\xff\xff\xff", "\x0a\x01\xff", "\x08\x96\x01")
	targets := []func() any{
		func() any { return new(structpb.Value) },
		func() any { return new(wrapperspb.BytesValue) },
		func() any { return new(wrapperspb.StringValue) },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range targets {
			fuzzRoundTrip(t, Protobuf{}, data, target, protoEqual)
		}
	})
}

func FuzzPlain(f *testing.F) {
	addSeeds(f, Plain{}, []any{
		"text", []byte{0, 255}, true, -42, uint64(math.MaxUint64), 0.1, float32(1) / 3,
		math.NaN(), netip.MustParseAddr("2001:db8::1%eth0"), plainLevel(-7),
	}, "", "+5", "1e39", "0x1p-2", "-0", "1_000", "::ffff:1.2.3.4", "\xff")
	targets := []func() any{
		func() any { return new(string) },
		func() any { return new([]byte) },
		func() any { return new(bool) },
		func() any { return new(int64) },
		func() any { return new(int8) },
		func() any { return new(uint32) },
		func() any { return new(float64) },
		func() any { return new(float32) },
		func() any { return new(plainLevel) },
		func() any { return new(plainBlob) },
		func() any { return new(netip.Addr) },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range targets {
			fuzzRoundTrip(t, Plain{}, data, target, equalNaN)
		}
	})
}

// fuzzFormEmbedded is embedded in fuzzFormValue.
type fuzzFormEmbedded struct {
	Page int `form:"page"`
}

// fuzzFormValue is the struct target of FuzzForm.
type fuzzFormValue struct {
	fuzzFormEmbedded
	Name   string     `form:"name"`
	Tags   []string   `form:"tag"`
	Nums   []int16    `form:"num"`
	U      uint8      `form:"u"`
	F      float64    `form:"f"`
	F32    float32    `form:"f32"`
	Ok     bool       `form:"ok"`
	Opt    *int       `form:"opt"`
	Ptrs   []*uint    `form:"ptr"`
	Addr   netip.Addr `form:"addr"`
	Addrs  []netip.Addr
	Raw    []byte `form:"raw"`
	Omit   string `form:"omit,omitempty"`
	Skip   string `form:"-"`
	Stamp  formStamp
	Stamps *formStamp
}

func FuzzForm(f *testing.F) {
	addSeeds(f, Form{}, []any{
		fuzzFormValue{
			fuzzFormEmbedded: fuzzFormEmbedded{Page: 3},
			Name:             "a b&c=d", Tags: []string{"z", "a"}, Nums: []int16{-1, 2}, U: 255,
			F: math.NaN(), F32: 0.1, Ok: true, Opt: new(5), Ptrs: []*uint{new(uint(7))},
			Addr: netip.MustParseAddr("192.0.2.1"), Addrs: []netip.Addr{netip.MustParseAddr("::1")},
			Raw: []byte("raw"), Omit: "o", Stamp: formStamp{n: 2}, Stamps: &formStamp{n: 9},
		},
		url.Values{"a": {"1", "2"}, "": {""}, "ü": {"%"}},
		map[string]string{"k": "v"},
	}, "", "a", "=", "&&", "a=%zz", "a=1;b=2", "num=1&num=x", "u=256", "f=1e400", "raw=&opt=")
	targets := []func() any{
		func() any { return new(fuzzFormValue) },
		func() any { return new(url.Values) },
		func() any { return new(map[string]string) },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range targets {
			fuzzRoundTrip(t, Form{}, data, target, equalNaN)
		}
	})
}

// fuzzXMLValue is the struct target of FuzzXML. It has no XMLName field,
// which encoding/xml does not round-trip (a namespace in the value is lost
// when the tag names the element), and no byte slice, which comes back
// empty rather than nil.
type fuzzXMLValue struct {
	ID    int      `xml:"id,attr"`
	Ok    bool     `xml:"ok,attr"`
	Name  string   `xml:"name"`
	Items []string `xml:"items>item"`
	F     float64  `xml:"f"`
	U     uint16   `xml:"u,omitempty"`
	Text  string   `xml:",chardata"`
	Next  *fuzzXMLValue
}

func FuzzXML(f *testing.F) {
	addSeeds(f, XML{}, []any{
		fuzzXMLValue{ID: 7, Ok: true, Name: "a <b> & \"c\"\n", Items: []string{"z", "a"}, F: 0.5, U: 9, Text: "\r\t",
			Next: &fuzzXMLValue{Name: "inner"}},
		fuzzXMLValue{},
		"text",
	}, "", "<v>", "<v id='x'/>", "<?xml version='1.0'?><v/>", "<p:v xmlns:p='urn:x'><name>&#65;</name></p:v>",
		"<v><![CDATA[<x>]]></v>", "<v>&bogus;</v>", "\xff")
	targets := []func() any{
		func() any { return new(fuzzXMLValue) },
		func() any { return new(string) },
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range targets {
			fuzzRoundTrip(t, XML{}, data, target, equalNaN)
		}
	})
}
