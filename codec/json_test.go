package codec

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

type jsonItem struct {
	Name  string            `json:"name"`
	Count int               `json:"count"`
	Tags  []string          `json:"tags,omitempty"`
	Attrs map[string]string `json:"attrs,omitempty"`
	Data  []byte            `json:"data,omitempty"`
	Next  *jsonItem         `json:"next,omitempty"`
}

func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   any
	}{
		{"struct", jsonItem{Name: "a", Count: 3, Tags: []string{"x", "y"}, Attrs: map[string]string{"k": "v"}, Data: []byte{0, 1, 2}}},
		{"nested", jsonItem{Name: "outer", Next: &jsonItem{Name: "inner"}}},
		{"map", map[string]any{"a": 1.5, "b": []any{"c", true, nil}}},
		{"slice", []int{3, 1, 2}},
		{"string", "héllo <world>"},
		{"float", math.MaxFloat64},
		{"raw", json.RawMessage(`{"a":[1,2]}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, JSON{}, tt.in)
			if !reflect.DeepEqual(got, tt.in) {
				t.Fatalf("got %#v, want %#v", got, tt.in)
			}
		})
	}
}

func TestJSONMarshal(t *testing.T) {
	raw := json.RawMessage(` {"kept": "as is"} `)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "null"},
		{"nil pointer", (*jsonItem)(nil), "null"},
		{"raw message", raw, string(raw)},
		{"raw message pointer", &raw, string(raw)},
		{"nil raw message", json.RawMessage(nil), "null"},
		{"nil raw message pointer", (*json.RawMessage)(nil), "null"},
		{"struct", jsonItem{Name: "a"}, `{"name":"a","count":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(marshalBody(t, JSON{}, tt.in)); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestJSONErrors(t *testing.T) {
	var item jsonItem
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"marshal channel", func() error { _, err := JSON{}.Marshal(nil, make(chan int)); return err }, ErrUnsupportedType},
		{"marshal NaN", func() error { _, err := JSON{}.Marshal(nil, math.NaN()); return err }, ErrUnsupportedType},
		{"unmarshal into nil", func() error { return JSON{}.Unmarshal([]byte(`{}`), nil) }, ErrUnsupportedType},
		{"unmarshal into non-pointer", func() error { return JSON{}.Unmarshal([]byte(`{}`), item) }, ErrUnsupportedType},
		{"unmarshal into nil pointer", func() error { return JSON{}.Unmarshal([]byte(`{}`), (*jsonItem)(nil)) }, ErrUnsupportedType},
		{"syntax", func() error { return JSON{}.Unmarshal([]byte(`{"name":`), &item) }, ErrDecode},
		{"empty", func() error { return JSON{}.Unmarshal(nil, &item) }, ErrDecode},
		{"wrong type", func() error { return JSON{}.Unmarshal([]byte(`{"count":"x"}`), &item) }, ErrDecode},
		{"trailing data", func() error { return JSON{}.Unmarshal([]byte(`{} {}`), &item) }, ErrDecode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.run(), tt.want)
		})
	}
}
