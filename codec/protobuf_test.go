package codec

import (
	"bytes"
	"testing"

	"github.com/dmicro-go/dmicro/internal/benchpb"
	"github.com/dmicro-go/dmicro/internal/gentest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProtobufRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   proto.Message
	}{
		{"string", wrapperspb.String("héllo")},
		{"empty string", wrapperspb.String("")},
		{"bytes", wrapperspb.Bytes([]byte{0, 1, 2, 255})},
		{"int64", wrapperspb.Int64(-1 << 40)},
		{"struct", mustStruct(t, map[string]any{
			"name": "a", "n": 1.5, "ok": true, "none": nil,
			"list":   []any{"x", 2.0},
			"nested": map[string]any{"k": "v"},
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, Protobuf{}, tt.in).(proto.Message)
			if !proto.Equal(got, tt.in) {
				t.Fatalf("got %v, want %v", got, tt.in)
			}
		})
	}
}

func TestProtobufMarshalAppends(t *testing.T) {
	want, err := proto.Marshal(wrapperspb.String("x"))
	if err != nil {
		t.Fatal(err)
	}
	got := marshalBody(t, Protobuf{}, wrapperspb.String("x"))
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func TestProtobufUnmarshalResets(t *testing.T) {
	m := wrapperspb.String("old")
	body := marshalBody(t, Protobuf{}, wrapperspb.String(""))
	if err := (Protobuf{}).Unmarshal(body, m); err != nil {
		t.Fatal(err)
	}
	if m.Value != "" {
		t.Fatalf("value %q kept from before", m.Value)
	}
}

func TestProtobufErrors(t *testing.T) {
	var sv wrapperspb.StringValue
	invalidUTF8 := []byte{0x0a, 0x01, 0xff} // field 1, length 1, byte 0xff
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"marshal non-message", func() error { _, err := Protobuf{}.Marshal(nil, "text"); return err }, ErrUnsupportedType},
		{"marshal nil", func() error { _, err := Protobuf{}.Marshal(nil, nil); return err }, ErrUnsupportedType},
		{"marshal invalid utf-8", func() error { _, err := Protobuf{}.Marshal(nil, wrapperspb.String("\xff")); return err }, ErrUnsupportedType},
		{"unmarshal into non-message", func() error { var s string; return Protobuf{}.Unmarshal(nil, &s) }, ErrUnsupportedType},
		{"unmarshal into nil message", func() error { return Protobuf{}.Unmarshal(nil, (*wrapperspb.StringValue)(nil)) }, ErrUnsupportedType},
		{"unmarshal into nil", func() error { return Protobuf{}.Unmarshal(nil, nil) }, ErrUnsupportedType},
		{"truncated", func() error { return Protobuf{}.Unmarshal([]byte{0x0a, 0x05, 'a'}, &sv) }, ErrDecode},
		{"bad tag", func() error { return Protobuf{}.Unmarshal([]byte{0xff, 0xff, 0xff}, &sv) }, ErrDecode},
		{"invalid utf-8", func() error { return Protobuf{}.Unmarshal(invalidUTF8, &sv) }, ErrDecode},
		{"empty", func() error { return Protobuf{}.Unmarshal(nil, &sv) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.run(), tt.want)
		})
	}
}

// TestProtobufGenerated checks the codec on messages with generated
// methods: the same bytes as proto's deterministic marshalling, decoding
// equal to proto.Unmarshal's, and the same errors.
func TestProtobufGenerated(t *testing.T) {
	sample := benchpb.Sample()
	want, err := proto.MarshalOptions{Deterministic: true}.Marshal(sample)
	if err != nil {
		t.Fatal(err)
	}
	if got := marshalBody(t, Protobuf{}, sample); !bytes.Equal(got, want) {
		t.Fatalf("generated marshal %x, proto %x", got, want)
	}
	if got := roundTrip(t, Protobuf{}, sample).(proto.Message); !proto.Equal(got, sample) {
		t.Fatalf("round trip gives %v", got)
	}
	all := &gentest.All{
		Scalars: &gentest.Scalars{Str: "é", Bs: []byte{0}, Color: gentest.Color_COLOR_BLUE},
		MStrStr: map[string]string{"b": "2", "a": "1"}, Choice: &gentest.All_ChMsg{ChMsg: &gentest.Scalars{I32: -1}},
		RNested: []*gentest.All_Nested{{Name: "x"}, {Counts: map[string]int32{"n": 1}}},
	}
	if got := roundTrip(t, Protobuf{}, all).(proto.Message); !proto.Equal(got, all) {
		t.Fatalf("round trip gives %v", got)
	}
	var bm benchpb.BenchmarkMessage
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"marshal invalid utf-8", func() error {
			_, err := Protobuf{}.Marshal(nil, &benchpb.BenchmarkMessage{Title: "\xff"})
			return err
		}, ErrUnsupportedType},
		{"marshal nil", func() error { _, err := Protobuf{}.Marshal(nil, (*benchpb.BenchmarkMessage)(nil)); return err }, nil},
		{"unmarshal into nil message", func() error { return Protobuf{}.Unmarshal(nil, (*benchpb.BenchmarkMessage)(nil)) }, ErrUnsupportedType},
		{"truncated", func() error { return Protobuf{}.Unmarshal([]byte{0x12, 0x05, 'a'}, &bm) }, ErrDecode},
		{"bad tag", func() error { return Protobuf{}.Unmarshal([]byte{0xff, 0xff, 0xff}, &bm) }, ErrDecode},
		{"invalid utf-8", func() error { return Protobuf{}.Unmarshal([]byte{0x12, 0x01, 0xff}, &bm) }, ErrDecode},
		{"empty", func() error { return Protobuf{}.Unmarshal(nil, &bm) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.run(), tt.want)
		})
	}
}

// TestProtobufGeneratedAllocs counts the allocations of decoding the
// benchmark message: one copy of the input, the nested address and the
// tags slice.
func TestProtobufGeneratedAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("coverage and race instrumentation allocate")
	}
	body, err := Protobuf{}.Marshal(nil, benchpb.Sample())
	if err != nil {
		t.Fatal(err)
	}
	var m benchpb.BenchmarkMessage
	n := testing.AllocsPerRun(100, func() {
		if err := (Protobuf{}).Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
	})
	if n > 3 {
		t.Errorf("Unmarshal allocates %v times, want at most 3", n)
	}
	buf := make([]byte, 0, 1024)
	n = testing.AllocsPerRun(100, func() {
		if _, err := (Protobuf{}).Marshal(buf, &m); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("Marshal into a large enough buffer allocates %v times", n)
	}
}
