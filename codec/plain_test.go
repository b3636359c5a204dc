package codec

import (
	"bytes"
	"math"
	"net/netip"
	"reflect"
	"testing"
)

type (
	plainLevel int8
	plainColor string
	plainBlob  []byte
)

func TestPlainRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   any
	}{
		{"string", "héllo\nworld"},
		{"empty string", ""},
		{"bytes", []byte{0, 1, 0xff}},
		{"bool", true},
		{"int", -42},
		{"int8 min", int8(math.MinInt8)},
		{"int64 max", int64(math.MaxInt64)},
		{"uint64 max", uint64(math.MaxUint64)},
		{"uint8", uint8(7)},
		{"float64", 0.1},
		{"float64 inf", math.Inf(-1)},
		{"float32", float32(1) / 3},
		{"named int", plainLevel(-3)},
		{"named string", plainColor("red")},
		{"named bytes", plainBlob("blob")},
		{"text marshaler", netip.MustParseAddr("2001:db8::1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, Plain{}, tt.in)
			if !reflect.DeepEqual(got, tt.in) {
				t.Fatalf("got %#v, want %#v", got, tt.in)
			}
		})
	}
}

func TestPlainMarshal(t *testing.T) {
	s, n, f := "text", 12, 2.5
	b := []byte("bytes")
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"string pointer", &s, "text"},
		{"bytes pointer", &b, "bytes"},
		{"int pointer", &n, "12"},
		{"float pointer", &f, "2.5"},
		{"nil int pointer", (*int)(nil), ""},
		{"nil text marshaler", (*netip.Addr)(nil), ""},
		{"float", 1e21, "1e+21"},
		{"NaN", math.NaN(), "NaN"},
		{"false", false, "false"},
		{"text marshaler pointer", new(netip.MustParseAddr("10.0.0.1")), "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(marshalBody(t, Plain{}, tt.in)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPlainUnmarshal(t *testing.T) {
	tests := []struct {
		name string
		data string
		into any // a pointer
		want any // what it points to afterwards
	}{
		{"plus sign", "+5", new(int), 5},
		{"bool digit", "1", new(bool), true},
		{"NaN", "NaN", new(float64), math.NaN()},
		{"empty bytes", "", new([]byte), []byte{}},
		{"empty string", "", new(string), ""},
		{"named int", "-7", new(plainLevel), plainLevel(-7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := (Plain{}).Unmarshal([]byte(tt.data), tt.into); err != nil {
				t.Fatal(err)
			}
			got := reflect.ValueOf(tt.into).Elem().Interface()
			if f, ok := got.(float64); ok && math.IsNaN(f) && math.IsNaN(tt.want.(float64)) {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestPlainCopies checks that the decoded bytes do not share memory with
// the input, which the caller reuses.
func TestPlainCopies(t *testing.T) {
	tests := []struct {
		name string
		into any
		get  func(any) []byte
	}{
		{"bytes", new([]byte), func(v any) []byte { return *v.(*[]byte) }},
		{"named bytes", new(plainBlob), func(v any) []byte { return *v.(*plainBlob) }},
		{"string", new(string), func(v any) []byte { return []byte(*v.(*string)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte("original")
			if err := (Plain{}).Unmarshal(data, tt.into); err != nil {
				t.Fatal(err)
			}
			copy(data, "XXXXXXXX")
			if got := tt.get(tt.into); !bytes.Equal(got, []byte("original")) {
				t.Fatalf("decoded value changed with its input: %q", got)
			}
		})
	}
}

func TestPlainErrors(t *testing.T) {
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"marshal struct", func() error { _, err := Plain{}.Marshal(nil, struct{}{}); return err }, ErrUnsupportedType},
		{"marshal map", func() error { _, err := Plain{}.Marshal(nil, map[string]int{}); return err }, ErrUnsupportedType},
		{"marshal pointer to pointer", func() error { p := new(int); _, err := Plain{}.Marshal(nil, &p); return err }, ErrUnsupportedType},
		{"marshal nil struct pointer", func() error { _, err := Plain{}.Marshal(nil, (*struct{})(nil)); return err }, ErrUnsupportedType},
		{"marshal int slice", func() error { _, err := Plain{}.Marshal(nil, []int{1}); return err }, ErrUnsupportedType},
		{"unmarshal into nil", func() error { return Plain{}.Unmarshal([]byte("x"), nil) }, ErrUnsupportedType},
		{"unmarshal into non-pointer", func() error { return Plain{}.Unmarshal([]byte("x"), "") }, ErrUnsupportedType},
		{"unmarshal into nil string", func() error { return Plain{}.Unmarshal([]byte("x"), (*string)(nil)) }, ErrUnsupportedType},
		{"unmarshal into nil text", func() error { return Plain{}.Unmarshal([]byte("x"), (*netip.Addr)(nil)) }, ErrUnsupportedType},
		{"unmarshal into struct", func() error { return Plain{}.Unmarshal([]byte("x"), &struct{}{}) }, ErrUnsupportedType},
		{"unmarshal into int slice", func() error { return Plain{}.Unmarshal([]byte("x"), new([]int)) }, ErrUnsupportedType},
		{"not a number", func() error { return Plain{}.Unmarshal([]byte("12a"), new(int)) }, ErrDecode},
		{"spaces", func() error { return Plain{}.Unmarshal([]byte(" 12"), new(int)) }, ErrDecode},
		{"out of range", func() error { return Plain{}.Unmarshal([]byte("128"), new(int8)) }, ErrDecode},
		{"negative unsigned", func() error { return Plain{}.Unmarshal([]byte("-1"), new(uint)) }, ErrDecode},
		{"not a bool", func() error { return Plain{}.Unmarshal([]byte("yes"), new(bool)) }, ErrDecode},
		{"float out of range", func() error { return Plain{}.Unmarshal([]byte("1e39"), new(float32)) }, ErrDecode},
		{"bad text", func() error { return Plain{}.Unmarshal([]byte("not an address"), new(netip.Addr)) }, ErrDecode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.run(), tt.want)
		})
	}
}
