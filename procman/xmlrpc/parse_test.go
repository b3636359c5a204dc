package xmlrpc_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// call wraps value elements in a methodCall of "m".
func call(values ...string) string {
	var b strings.Builder
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n")
	for _, v := range values {
		b.WriteString("<param>\n" + v + "\n</param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return b.String()
}

func TestUnmarshalCallValues(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want any
	}{
		{"int", "<value><int>42</int></value>", 42},
		{"i4", "<value><i4>-7</i4></value>", -7},
		{"i8", "<value><i8>4294967296</i8></value>", 4294967296},
		{"int with spaces and sign", "<value><int>\n +12 </int></value>", 12},
		{"boolean 1", "<value><boolean>1</boolean></value>", true},
		{"boolean 0", "<value><boolean>0</boolean></value>", false},
		{"boolean true", "<value><boolean> true </boolean></value>", true},
		{"string", "<value><string>a &lt;b&gt; &amp; c</string></value>", "a <b> & c"},
		{"string keeps spaces", "<value><string>  x \n</string></value>", "  x \n"},
		{"untyped string", "<value>hello world</value>", "hello world"},
		{"untyped empty", "<value></value>", ""},
		{"untyped spaces", "<value>  </value>", "  "},
		{"empty string element", "<value><string/></value>", ""},
		{"character references", "<value><string>&#xD;&#10;&#x1F642;</string></value>", "\r\n🙂"},
		{"CDATA", "<value><string><![CDATA[<raw>&]]></string></value>", "<raw>&"},
		{"comment in text", "<value><string>a<!-- c -->b</string></value>", "ab"},
		{"double", "<value><double>-12.53</double></value>", -12.53},
		{"double exponent (Python repr)", "<value><double>1e+100</double></value>", 1e100},
		{"float", "<value><float>0.5</float></value>", 0.5},
		{"dateTime", "<value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value>", time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)},
		{"dateTime dashes and zone", "<value><dateTime.iso8601>1998-07-17T16:08:55+02:00</dateTime.iso8601></value>", time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)},
		{"dateTime compact Z", "<value><dateTime.iso8601>19980717T140855Z</dateTime.iso8601></value>", time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)},
		{"dateTime fraction dropped", "<value><dateTime.iso8601>19980717T14:08:55.75</dateTime.iso8601></value>", time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)},
		{"base64 with line breaks (Python)", "<value><base64>\neW91IGNhbid0IHJl\nYWQgdGhpcyE=\n</base64></value>", []byte("you can't read this!")},
		{"base64 without padding", "<value><base64>YWI</base64></value>", []byte("ab")},
		{"empty base64", "<value><base64></base64></value>", []byte{}},
		{"nil", "<value><nil/></value>", nil},
		{"namespaced nil (Apache)", `<value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value>`, nil},
		{"array", "<value><array><data>\n<value><int>1</int></value>\n<value>two</value>\n</data></array></value>", []any{1, "two"}},
		{"empty array", "<value><array><data/></array></value>", []any{}},
		{"struct", "<value><struct>\n<member>\n<name>a</name>\n<value><int>1</int></value>\n</member>\n<member><name></name><value/></member>\n</struct></value>", map[string]any{"a": 1, "": ""}},
		{"struct, last duplicate wins", "<value><struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct></value>", map[string]any{"a": "2"}},
		{"nested", "<value><struct><member><name>l</name><value><array><data><value><struct/></value><value><array><data><value><nil/></value></data></array></value></data></array></value></member></struct></value>",
			map[string]any{"l": []any{map[string]any{}, []any{nil}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method, params, err := xmlrpc.UnmarshalCall([]byte(call(tc.in)))
			if err != nil {
				t.Fatal(err)
			}
			if method != "m" || len(params) != 1 {
				t.Fatalf("got method %q and %d params", method, len(params))
			}
			if !reflect.DeepEqual(params[0], tc.want) {
				t.Errorf("got %#v, want %#v", params[0], tc.want)
			}
		})
	}
}

func TestUnmarshalCallForms(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		method string
		params []any
	}{
		{"no params element", "<methodCall><methodName>system.listMethods</methodName></methodCall>", "system.listMethods", []any{}},
		{"empty params", "<methodCall><methodName>a.b</methodName><params/></methodCall>", "a.b", []any{}},
		{"declaration, doctype-free comments and PIs", "<?xml version=\"1.0\" encoding=\"utf-8\"?><!-- hi --><?pi x?><methodCall><methodName>a.b</methodName></methodCall><!-- bye -->\n", "a.b", []any{}},
		{"latin-1", "<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>a.b</methodName><params><param><value>caf\xe9</value></param></params></methodCall>", "a.b", []any{"café"}},
		{"two params", call("<value><int>1</int></value>", "<value>x</value>"), "m", []any{1, "x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method, params, err := xmlrpc.UnmarshalCall([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if method != tc.method || !reflect.DeepEqual(params, tc.params) {
				t.Errorf("got %q %#v, want %q %#v", method, params, tc.method, tc.params)
			}
		})
	}
}

// malformed are documents that are neither a valid call nor a valid
// response, each with a reason. The fuzz tests add them to their corpus.
var malformed = []struct{ name, in string }{
	{"empty", ""},
	{"spaces", "  \n"},
	{"not XML", "hello"},
	{"JSON", `{"method": "a.b"}`},
	{"truncated", "<methodCall><methodName>a.b</methodName><params><param><value><int>1"},
	{"unclosed root", "<methodCall><methodName>a.b</methodName>"},
	{"mismatched tags", "<methodCall><methodName>a.b</methodCall></methodName>"},
	{"wrong root", "<foo/>"},
	{"two roots", "<methodCall><methodName>a</methodName></methodCall><methodCall><methodName>b</methodName></methodCall>"},
	{"text after root", "<methodCall><methodName>a</methodName></methodCall>junk"},
	{"stray text", "<methodCall>junk<methodName>a</methodName></methodCall>"},
	{"unknown element", "<methodCall><methodName>a</methodName><extra/></methodCall>"},
	{"unknown type", call("<value><bigint>1</bigint></value>")},
	{"element in name", "<methodCall><methodName><b>a</b></methodName></methodCall>"},
	{"bad int", call("<value><int>one</int></value>")},
	{"empty int", call("<value><int></int></value>")},
	{"int over 64 bits", call("<value><int>99999999999999999999</int></value>")},
	{"bad boolean", call("<value><boolean>yes</boolean></value>")},
	{"bad double", call("<value><double>1,5</double></value>")},
	{"bad dateTime", call("<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>")},
	{"bad base64", call("<value><base64>!!!!</base64></value>")},
	{"nil with content", call("<value><nil>x</nil></value>")},
	{"text beside a type", call("<value>x<int>1</int></value>")},
	{"two types in a value", call("<value><int>1</int><int>2</int></value>")},
	{"array without data", call("<value><array><value>1</value></array></value>")},
	{"array of non-values", call("<value><array><data><int>1</int></data></array></value>")},
	{"member without name", call("<value><struct><member><value>1</value></member></struct></value>")},
	{"member without value", call("<value><struct><member><name>a</name></member></struct></value>")},
	{"struct of non-members", call("<value><struct><name>a</name></struct></value>")},
	{"param without value", call("<int>1</int>")},
	{"unknown entity", call("<value>&foo;</value>")},
	{"entity declared in a doctype", `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">]>` + call("<value>&a;</value>")[len("<?xml version='1.0'?>\n"):]},
	{"illegal character", call("<value>\x01</value>")},
	{"invalid UTF-8", call("<value>\xff</value>")},
	{"unsupported charset", "<?xml version='1.0' encoding='utf-16'?><methodCall><methodName>a</methodName></methodCall>"},
	{"too deep", call(strings.Repeat("<value><array><data>", 129) + strings.Repeat("</data></array></value>", 129))},
}

func TestUnmarshalCallMalformed(t *testing.T) {
	extra := []struct{ name, in string }{
		{"empty method name", "<methodCall><methodName></methodName></methodCall>"},
		{"no method name", "<methodCall><params/></methodCall>"},
		{"a response", "<methodResponse><params/></methodResponse>"},
		{"params before name", "<methodCall><params/><methodName>a</methodName></methodCall>"},
	}
	for _, tc := range append(extra, malformed...) {
		t.Run(tc.name, func(t *testing.T) {
			method, params, err := xmlrpc.UnmarshalCall([]byte(tc.in))
			if err == nil {
				t.Fatalf("parsed as %q %#v", method, params)
			}
			if !strings.HasPrefix(err.Error(), "xmlrpc: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestUnmarshalResponse(t *testing.T) {
	t.Run("result", func(t *testing.T) {
		var got map[string]any
		err := xmlrpc.UnmarshalResponse([]byte("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>pid</name>\n<value><int>42</int></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n"), &got)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, map[string]any{"pid": 42}) {
			t.Errorf("got %#v", got)
		}
	})
	t.Run("no param", func(t *testing.T) {
		got := any("unchanged")
		if err := xmlrpc.UnmarshalResponse([]byte("<methodResponse><params></params></methodResponse>"), &got); err != nil {
			t.Fatal(err)
		}
		if got != nil {
			t.Errorf("got %#v, want nil", got)
		}
	})
	t.Run("nil reply", func(t *testing.T) {
		if err := xmlrpc.UnmarshalResponse([]byte("<methodResponse><params><param><value>x</value></param></params></methodResponse>"), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("fault", func(t *testing.T) {
		// As Python's xmlrpc.client.dumps(Fault(...)) writes it.
		doc := "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: foo</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
		var got string
		err := xmlrpc.UnmarshalResponse([]byte(doc), &got)
		f, ok := errors.AsType[*xmlrpc.Fault](err)
		if !ok || f.Code != xmlrpc.FaultBadName || f.String != "BAD_NAME: foo" {
			t.Fatalf("got %v", err)
		}
	})
	for _, tc := range []struct{ name, in string }{
		{"two params", "<methodResponse><params><param><value>a</value></param><param><value>b</value></param></params></methodResponse>"},
		{"empty", "<methodResponse></methodResponse>"},
		{"a call", "<methodCall><methodName>a</methodName></methodCall>"},
		{"fault not a struct", "<methodResponse><fault><value>x</value></fault></methodResponse>"},
		{"fault without code", "<methodResponse><fault><value><struct><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>"},
		{"fault with a string code", "<methodResponse><fault><value><struct><member><name>faultCode</name><value>10</value></member></struct></value></fault></methodResponse>"},
		{"fault with an int string", "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value><int>1</int></value></member></struct></value></fault></methodResponse>"},
		{"params and fault", "<methodResponse><params/><fault><value><struct/></value></fault></methodResponse>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			err := xmlrpc.UnmarshalResponse([]byte(tc.in), &v)
			if err == nil {
				t.Fatalf("parsed as %#v", v)
			}
			if _, ok := errors.AsType[*xmlrpc.Fault](err); ok {
				t.Fatalf("malformed response parsed as a fault: %v", err)
			}
		})
	}
}
