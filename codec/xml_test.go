package codec

import (
	"encoding/xml"
	"reflect"
	"testing"
)

type xmlItem struct {
	XMLName xml.Name `xml:"item"`
	ID      int      `xml:"id,attr"`
	Name    string   `xml:"name"`
	Tags    []string `xml:"tags>tag"`
	Note    string   `xml:",comment"`
	Data    []byte   `xml:"data,omitempty"`
}

func TestXMLRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   any
	}{
		{"struct", xmlItem{XMLName: xml.Name{Local: "item"}, ID: 7, Name: "a <b> & \"c\"", Tags: []string{"z", "a"}, Note: " note ", Data: []byte("d")}},
		{"struct pointer", &xmlItem{XMLName: xml.Name{Local: "item"}, Name: "p"}},
		{"string", "text"},
		{"int", 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, XML{}, tt.in)
			if !reflect.DeepEqual(got, tt.in) {
				t.Fatalf("got %#v, want %#v", got, tt.in)
			}
		})
	}
}

func TestXMLMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"struct", xmlItem{ID: 1, Name: "n"}, `<item id="1"><name>n</name><tags></tags></item>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(marshalBody(t, XML{}, tt.in)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestXMLErrors(t *testing.T) {
	var item xmlItem
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"marshal map", func() error { _, err := XML{}.Marshal(nil, map[string]int{}); return err }, ErrUnsupportedType},
		{"marshal channel", func() error { _, err := XML{}.Marshal(nil, make(chan int)); return err }, ErrUnsupportedType},
		{"marshal bad comment", func() error { _, err := XML{}.Marshal(nil, xmlItem{Note: "a--b"}); return err }, ErrUnsupportedType},
		{"unmarshal into nil", func() error { return XML{}.Unmarshal([]byte("<item/>"), nil) }, ErrUnsupportedType},
		{"unmarshal into non-pointer", func() error { return XML{}.Unmarshal([]byte("<item/>"), item) }, ErrUnsupportedType},
		{"unmarshal into nil pointer", func() error { return XML{}.Unmarshal([]byte("<item/>"), (*xmlItem)(nil)) }, ErrUnsupportedType},
		{"syntax", func() error { return XML{}.Unmarshal([]byte("<item><name>"), &item) }, ErrDecode},
		{"empty", func() error { return XML{}.Unmarshal(nil, &item) }, ErrDecode},
		{"wrong element", func() error { return XML{}.Unmarshal([]byte("<other/>"), &item) }, ErrDecode},
		{"bad attribute", func() error { return XML{}.Unmarshal([]byte(`<item id="x"/>`), &item) }, ErrDecode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, tt.run(), tt.want)
		})
	}
}
