package xmlrpc_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// body returns the part of a document between its params tags, for
// comparing encodings of one value.
func body(t *testing.T, doc []byte) string {
	t.Helper()
	s := string(doc)
	const open, end = "<param>", "</param>"
	i, j := strings.Index(s, open), strings.LastIndex(s, end)
	if i < 0 || j < i {
		t.Fatalf("no param in %s", s)
	}
	return s[i+len(open) : j]
}

type tagged struct {
	Name     string `xmlrpc:"name"`
	PID      int    `xmlrpc:"pid"`
	Skip     string `xmlrpc:"-"`
	Empty    string `xmlrpc:"empty,omitempty"`
	Untagged bool
	hidden   int
}

type embedded struct {
	tagged
	Extra float64 `xmlrpc:"extra"`
	Name  string  `xmlrpc:"name"` // wins over tagged.Name
}

func TestMarshalValues(t *testing.T) {
	var nilMap map[string]int
	var nilSlice []int
	var nilPtr *int
	seven := 7
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "<value><nil/></value>"},
		{"nil pointer", nilPtr, "<value><nil/></value>"},
		{"pointer", &seven, "<value><int>7</int></value>"},
		{"int", 42, "<value><int>42</int></value>"},
		{"negative int", -2147483648, "<value><int>-2147483648</int></value>"},
		{"int8", int8(-3), "<value><int>-3</int></value>"},
		{"uint16", uint16(65535), "<value><int>65535</int></value>"},
		{"true", true, "<value><boolean>1</boolean></value>"},
		{"false", false, "<value><boolean>0</boolean></value>"},
		{"string", "a<b>&c", "<value><string>a&lt;b&gt;&amp;c</string></value>"},
		{"empty string", "", "<value><string></string></value>"},
		{"line ends", "a\r\nb\tc", "<value><string>a&#xD;\nb\tc</string></value>"},
		{"controls", "x\x00\x1b[0m\x7f", "<value><string>x\uFFFD\uFFFD[0m\x7f</string></value>"},
		{"bad utf-8", "a\xffb", "<value><string>a\uFFFDb</string></value>"},
		{"unicode", "héllo, 世界 🙂", "<value><string>héllo, 世界 🙂</string></value>"},
		{"double", 1.5, "<value><double>1.5</double></value>"},
		{"big double", 1e21, "<value><double>1000000000000000000000</double></value>"},
		{"small double", -0.000125, "<value><double>-0.000125</double></value>"},
		{"float32", float32(0.1), "<value><double>0.1</double></value>"},
		{"time", time.Date(1998, 7, 17, 14, 8, 55, 999, time.UTC), "<value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value>"},
		{"time in a zone", time.Date(1998, 7, 17, 16, 8, 55, 0, time.FixedZone("CEST", 7200)), "<value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value>"},
		{"bytes", []byte("you can't read this!"), "<value><base64>eW91IGNhbid0IHJlYWQgdGhpcyE=</base64></value>"},
		{"empty bytes", []byte{}, "<value><base64></base64></value>"},
		{"array", []any{1, "two", []any{}}, "<value><array><data><value><int>1</int></value><value><string>two</string></value><value><array><data></data></array></value></data></array></value>"},
		{"string slice", []string{"a", "b"}, "<value><array><data><value><string>a</string></value><value><string>b</string></value></data></array></value>"},
		{"int array", [2]int{1, 2}, "<value><array><data><value><int>1</int></value><value><int>2</int></value></data></array></value>"},
		{"nil slice", nilSlice, "<value><array><data></data></array></value>"},
		{"map", map[string]any{"b": 2, "a": "x"}, "<value><struct><member><name>a</name><value><string>x</string></value></member><member><name>b</name><value><int>2</int></value></member></struct></value>"},
		{"typed map", map[string]int{"z": 1, "y": 2}, "<value><struct><member><name>y</name><value><int>2</int></value></member><member><name>z</name><value><int>1</int></value></member></struct></value>"},
		{"nil map", nilMap, "<value><struct></struct></value>"},
		{"struct", tagged{Name: "web", PID: 12, Skip: "no", Untagged: true, hidden: 3},
			"<value><struct><member><name>name</name><value><string>web</string></value></member><member><name>pid</name><value><int>12</int></value></member><member><name>Untagged</name><value><boolean>1</boolean></value></member></struct></value>"},
		{"struct omitempty set", tagged{Empty: "e"},
			"<value><struct><member><name>name</name><value><string></string></value></member><member><name>pid</name><value><int>0</int></value></member><member><name>empty</name><value><string>e</string></value></member><member><name>Untagged</name><value><boolean>0</boolean></value></member></struct></value>"},
		{"embedded", embedded{tagged: tagged{Name: "inner", PID: 1}, Extra: 2, Name: "outer"},
			"<value><struct><member><name>extra</name><value><double>2</double></value></member><member><name>name</name><value><string>outer</string></value></member><member><name>pid</name><value><int>1</int></value></member><member><name>Untagged</name><value><boolean>0</boolean></value></member></struct></value>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := xmlrpc.MarshalResponse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := body(t, doc); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	type cyclic struct {
		Next *cyclic `xmlrpc:"next"`
	}
	loop := &cyclic{}
	loop.Next = loop
	selfSlice := []any{nil}
	selfSlice[0] = selfSlice
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"int over 32 bits", int64(math.MaxInt32) + 1, "32 bits"},
		{"int under 32 bits", math.MinInt32 - 1, "32 bits"},
		{"uint over 32 bits", uint32(math.MaxUint32), "32 bits"},
		{"NaN", math.NaN(), "finite"},
		{"infinity", math.Inf(-1), "finite"},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "four-digit year"},
		{"channel", make(chan int), "cannot marshal chan int"},
		{"func", func() {}, "cannot marshal func()"},
		{"complex", 1i, "cannot marshal complex128"},
		{"int keys", map[int]string{1: "a"}, "member names are strings"},
		{"nested channel", map[string]any{"a": []any{make(chan int)}}, "cannot marshal chan int"},
		{"cyclic pointer", loop, "nested more than"},
		{"cyclic slice", selfSlice, "nested more than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := xmlrpc.MarshalResponse(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "xmlrpc: ") {
				t.Errorf("MarshalResponse(%T) = %v, want an error containing %q", tc.in, err, tc.want)
			}
		})
	}
	if _, err := xmlrpc.MarshalCall("", nil); err == nil {
		t.Error("MarshalCall with an empty method name succeeded")
	}
}

func TestMarshalDocuments(t *testing.T) {
	call, err := xmlrpc.MarshalCall("supervisor.startProcess", []any{"web:web_0", true})
	if err != nil {
		t.Fatal(err)
	}
	const wantCall = `<?xml version="1.0"?>
<methodCall><methodName>supervisor.startProcess</methodName><params><param><value><string>web:web_0</string></value></param><param><value><boolean>1</boolean></value></param></params></methodCall>
`
	if string(call) != wantCall {
		t.Errorf("MarshalCall:\n%s\nwant\n%s", call, wantCall)
	}
	noParams, err := xmlrpc.MarshalCall("supervisor.getVersion", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(noParams), "<methodName>supervisor.getVersion</methodName><params></params>") {
		t.Errorf("MarshalCall without params: %s", noParams)
	}
	fault := xmlrpc.MarshalFault(xmlrpc.Faultf(xmlrpc.FaultBadName, "a<b"))
	const wantFault = `<?xml version="1.0"?>
<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>10</int></value></member><member><name>faultString</name><value><string>BAD_NAME: a&lt;b</string></value></member></struct></value></fault></methodResponse>
`
	if string(fault) != wantFault {
		t.Errorf("MarshalFault:\n%s\nwant\n%s", fault, wantFault)
	}
}
