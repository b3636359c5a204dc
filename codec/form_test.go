package codec

import (
	"errors"
	"math"
	"net/netip"
	"net/url"
	"reflect"
	"testing"
)

type formPage struct {
	Page  int `form:"page"`
	Limit int `form:"limit,omitempty"`
}

type formMeta struct {
	Trace string `form:"trace"`
}

// formStamp has MarshalText on its pointer only, to check that Marshal
// finds it on fields of a struct passed by value.
type formStamp struct{ n int }

// MarshalText gives "stamp-" and the digit n, which is 0 to 9.
func (s *formStamp) MarshalText() ([]byte, error) {
	if s.n < 0 || s.n > 9 {
		return nil, errors.New("stamp out of range")
	}
	return []byte{'s', 't', 'a', 'm', 'p', '-', byte('0' + s.n)}, nil
}

func (s *formStamp) UnmarshalText(b []byte) error {
	if len(b) != 7 || string(b[:6]) != "stamp-" || b[6] < '0' || b[6] > '9' {
		return errors.New("bad stamp")
	}
	s.n = int(b[6] - '0')
	return nil
}

type formQuery struct {
	formPage          // promoted: page, limit
	formMeta          // unexported, still promoted: trace
	Name     string   `form:"name"`
	Tags     []string `form:"tag"`
	IDs      []uint16 `form:"id"`
	Score    float32  `form:"score"`
	Active   bool     `form:"active"`
	Opt      *int     `form:"opt"`
	Ptrs     []*int8  `form:"ptr"`
	Addr     netip.Addr
	Raw      []byte `form:"raw"`
	Stamp    formStamp
	Skipped  string `form:"-"`
	Untagged string
	//lint:ignore U1000 an unexported field the codec must skip
	hidden string
	Ch     chan int `form:"-"` // unsupported, but skipped
}

func TestFormRoundTrip(t *testing.T) {
	q := formQuery{
		formPage: formPage{Page: 2, Limit: 10},
		formMeta: formMeta{Trace: "t-1"},
		Name:     "a b&c=d",
		Tags:     []string{"z", "a", "m"},
		IDs:      []uint16{3, 1, 2},
		Score:    1.5,
		Active:   true,
		Opt:      new(7),
		Ptrs:     []*int8{new(int8(-1)), new(int8(5))},
		Addr:     netip.MustParseAddr("192.0.2.1"),
		Raw:      []byte("raw bytes"),
		Stamp:    formStamp{n: 4},
		Untagged: "u",
	}
	type named map[string][]string
	tests := []struct {
		name string
		in   any
	}{
		{"url values", url.Values{"a": {"1", "2"}, "b": {""}, "ü": {"ß"}}},
		{"map of strings", map[string]string{"a": "1", "b": "x y"}},
		{"map of slices", map[string][]string{"a": {"3", "1", "2"}}},
		{"named map", named{"k": {"v"}}},
		{"struct", q},
		{"struct pointer", &q},
		{"zero struct", formQuery{}},
		// A byte slice is one value: present when empty but not nil.
		{"empty byte slice", formQuery{Raw: []byte{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, Form{}, tt.in)
			if !reflect.DeepEqual(got, tt.in) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.in)
			}
		})
	}
}

func TestFormMarshal(t *testing.T) {
	type tagged struct {
		Z     string   `form:"z"`
		A     []int    `form:"a"`
		Empty string   `form:"empty,omitempty"`
		Nil   *float64 `form:"nil"`
		None  []string `form:"none"`
		Skip  int      `form:"-"`
		Plain string
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"nil struct pointer", (*tagged)(nil), ""},
		{"sorted keys", map[string]string{"b": "2", "a": "1", "c": "3"}, "a=1&b=2&c=3"},
		{"escaping", url.Values{"a b": {"x&y=z"}}, "a+b=x%26y%3Dz"},
		{"repeated keys in order", url.Values{"k": {"3", "1", "2"}}, "k=3&k=1&k=2"},
		{"struct tags", tagged{Z: "last", A: []int{9, 8}, Skip: 1, Plain: "p"}, "Plain=p&a=9&a=8&z=last"},
		{"float", struct{ F float64 }{math.Inf(1)}, "F=%2BInf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(marshalBody(t, Form{}, tt.in)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormUnmarshal(t *testing.T) {
	type target struct {
		Name string  `form:"name"`
		Nums []int   `form:"n"`
		Keep string  `form:"keep"`
		Opt  *string `form:"opt"`
	}
	tests := []struct {
		name string
		data string
		want target
	}{
		{"slice order", "n=3&n=1&n=2", target{Nums: []int{3, 1, 2}, Keep: "kept"}},
		{"unknown keys ignored", "other=1&name=a", target{Name: "a", Keep: "kept"}},
		{"first value wins", "name=a&name=b", target{Name: "a", Keep: "kept"}},
		{"unescaping", "name=a+b%26c", target{Name: "a b&c", Keep: "kept"}},
		{"empty value", "name=&keep=", target{}},
		{"pointer", "opt=x", target{Keep: "kept", Opt: new("x")}},
		{"empty body", "", target{Keep: "kept"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := target{Keep: "kept"}
			if err := (Form{}).Unmarshal([]byte(tt.data), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestFormUnmarshalMaps(t *testing.T) {
	t.Run("first value", func(t *testing.T) {
		m := map[string]string{"old": "gone"}
		if err := (Form{}).Unmarshal([]byte("a=1&a=2&b="), &m); err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"a": "1", "b": ""}; !reflect.DeepEqual(m, want) {
			t.Fatalf("got %v, want %v", m, want)
		}
	})
	t.Run("all values", func(t *testing.T) {
		var m map[string][]string
		if err := (Form{}).Unmarshal([]byte("a=2&a=1"), &m); err != nil {
			t.Fatal(err)
		}
		if want := map[string][]string{"a": {"2", "1"}}; !reflect.DeepEqual(m, want) {
			t.Fatalf("got %v, want %v", m, want)
		}
	})
	t.Run("named", func(t *testing.T) {
		type key string
		var m map[key]key
		if err := (Form{}).Unmarshal([]byte("a=1&a=2"), &m); err != nil {
			t.Fatal(err)
		}
		if want := map[key]key{"a": "1"}; !reflect.DeepEqual(m, want) {
			t.Fatalf("got %v, want %v", m, want)
		}
	})
}

func TestFormErrors(t *testing.T) {
	type badField struct{ M map[string]int }
	type badTarget struct {
		N   int        `form:"n"`
		U   uint8      `form:"u"`
		A   netip.Addr `form:"a"`
		Ptr *int       `form:"p"`
	}
	var bt badTarget
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"marshal int", func() error { _, err := Form{}.Marshal(nil, 1); return err }, ErrUnsupportedType},
		{"marshal map of ints", func() error { _, err := Form{}.Marshal(nil, map[string]int{}); return err }, ErrUnsupportedType},
		{"marshal field of map type", func() error { _, err := Form{}.Marshal(nil, badField{}); return err }, ErrUnsupportedType},
		{"marshal pointer to int", func() error { _, err := Form{}.Marshal(nil, new(int)); return err }, ErrUnsupportedType},
		{"unmarshal into nil", func() error { return Form{}.Unmarshal(nil, nil) }, ErrUnsupportedType},
		{"unmarshal into non-pointer", func() error { return Form{}.Unmarshal(nil, url.Values{}) }, ErrUnsupportedType},
		{"unmarshal into int", func() error { return Form{}.Unmarshal(nil, new(int)) }, ErrUnsupportedType},
		{"unmarshal into nil struct", func() error { return Form{}.Unmarshal(nil, (*badTarget)(nil)) }, ErrUnsupportedType},
		{"unmarshal into field of map type", func() error { return Form{}.Unmarshal([]byte("x=1"), &badField{}) }, ErrUnsupportedType},
		{"bad escape", func() error { return Form{}.Unmarshal([]byte("n=%zz"), &bt) }, ErrDecode},
		{"semicolon", func() error { return Form{}.Unmarshal([]byte("n=1;u=2"), &bt) }, ErrDecode},
		{"bad number", func() error { return Form{}.Unmarshal([]byte("n=x"), &bt) }, ErrDecode},
		{"number out of range", func() error { return Form{}.Unmarshal([]byte("u=256"), &bt) }, ErrDecode},
		{"bad text", func() error { return Form{}.Unmarshal([]byte("a=nope"), &bt) }, ErrDecode},
		{"bad pointer", func() error { return Form{}.Unmarshal([]byte("p=nope"), &bt) }, ErrDecode},
		// Found by FuzzForm (testdata/fuzz/FuzzForm/9816fb6004e194e8): the
		// test type formStamp took any byte for its digit.
		{"stamp with a non-digit", func() error { return Form{}.Unmarshal([]byte("Stamp=stamp-+"), &fuzzFormValue{}) }, ErrDecode},
		{"marshal error from a field", func() error { _, err := Form{}.Marshal(nil, fuzzFormValue{Stamp: formStamp{n: 10}}); return err }, ErrUnsupportedType},
		{"bad escape into map", func() error { return Form{}.Unmarshal([]byte("%"), new(url.Values)) }, ErrDecode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.run(), tt.want)
		})
	}
	if bt.Ptr != nil {
		t.Fatalf("failed decode set the pointer field to %d", *bt.Ptr)
	}
}
