package xmlrpc_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/procman/xmlrpc"
)

// processInfo is shaped like the struct supervisord's getProcessInfo
// returns.
type processInfo struct {
	Name          string `xmlrpc:"name"`
	Group         string `xmlrpc:"group"`
	Start         int    `xmlrpc:"start"`
	State         int    `xmlrpc:"state"`
	StateName     string `xmlrpc:"statename"`
	PID           int    `xmlrpc:"pid"`
	ExitStatus    int    `xmlrpc:"exitstatus"`
	Description   string `xmlrpc:"description"`
	StdoutLogfile string `xmlrpc:"stdout_logfile"`
}

type named string

func TestDecode(t *testing.T) {
	when := time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)
	t.Run("scalars", func(t *testing.T) {
		var (
			i   int
			i8  int8
			u   uint32
			f   float64
			f32 float32
			b   bool
			s   string
			n   named
			bs  []byte
			tm  time.Time
			p   *int
			a   any
		)
		for _, c := range []struct {
			src any
			dst any
		}{
			{42, &i}, {-5, &i8}, {7, &u}, {3, &f}, {2.5, &f32}, {true, &b}, {"x", &s}, {"y", &n},
			{[]byte("raw"), &bs}, {when, &tm}, {9, &p}, {"any", &a},
		} {
			if err := xmlrpc.Decode(c.src, c.dst); err != nil {
				t.Errorf("Decode(%#v, %T): %v", c.src, c.dst, err)
			}
		}
		if i != 42 || i8 != -5 || u != 7 || f != 3 || f32 != 2.5 || !b || s != "x" || n != "y" ||
			string(bs) != "raw" || !tm.Equal(when) || p == nil || *p != 9 || a != "any" {
			t.Errorf("got %v %v %v %v %v %v %q %q %q %v %v %v", i, i8, u, f, f32, b, s, n, bs, tm, p, a)
		}
	})
	t.Run("base64 and string convert", func(t *testing.T) {
		var s string
		var b []byte
		if err := xmlrpc.Decode([]byte("text"), &s); err != nil || s != "text" {
			t.Errorf("base64 into string: %q %v", s, err)
		}
		if err := xmlrpc.Decode("bytes", &b); err != nil || string(b) != "bytes" {
			t.Errorf("string into []byte: %q %v", b, err)
		}
	})
	t.Run("nil zeroes", func(t *testing.T) {
		i, p, m := 5, new(int), map[string]int{"a": 1}
		for _, dst := range []any{&i, &p, &m} {
			if err := xmlrpc.Decode(nil, dst); err != nil {
				t.Fatal(err)
			}
		}
		if i != 0 || p != nil || m != nil {
			t.Errorf("got %v %v %v", i, p, m)
		}
	})
	t.Run("struct", func(t *testing.T) {
		src := map[string]any{
			"name": "web", "group": "web", "start": 1700000000, "state": 20, "statename": "RUNNING",
			"pid": 4242, "exitstatus": 0, "description": "pid 4242, uptime 0:01:00",
			"STDOUT_LOGFILE": "/var/log/web.log", // matched ignoring case
			"spawnerr":       "",                 // no field: ignored
		}
		var got processInfo
		if err := xmlrpc.Decode(src, &got); err != nil {
			t.Fatal(err)
		}
		want := processInfo{"web", "web", 1700000000, 20, "RUNNING", 4242, 0, "pid 4242, uptime 0:01:00", "/var/log/web.log"}
		if got != want {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("embedded pointer", func(t *testing.T) {
		type Inner struct {
			A int `xmlrpc:"a"`
		}
		type outer struct {
			*Inner
			B string `xmlrpc:"b"`
		}
		var got outer
		if err := xmlrpc.Decode(map[string]any{"a": 1, "b": "x"}, &got); err != nil {
			t.Fatal(err)
		}
		if got.Inner == nil || got.A != 1 || got.B != "x" {
			t.Errorf("got %+v", got)
		}
		doc, err := xmlrpc.MarshalResponse(outer{B: "y"}) // nil *Inner: its fields are left out
		if err != nil || !strings.Contains(string(doc), "<struct><member><name>b</name>") || strings.Contains(string(doc), "<name>a</name>") {
			t.Errorf("MarshalResponse: %s %v", doc, err)
		}
	})
	t.Run("containers", func(t *testing.T) {
		var infos []processInfo
		if err := xmlrpc.Decode([]any{map[string]any{"name": "a"}, map[string]any{"name": "b", "pid": 2}}, &infos); err != nil {
			t.Fatal(err)
		}
		if len(infos) != 2 || infos[0].Name != "a" || infos[1].PID != 2 {
			t.Errorf("got %+v", infos)
		}
		var arr [3]string
		arr[2] = "stale"
		if err := xmlrpc.Decode([]any{"x", "y"}, &arr); err != nil || arr != [3]string{"x", "y", ""} {
			t.Errorf("array: %q %v", arr, err)
		}
		var m map[named][]int
		if err := xmlrpc.Decode(map[string]any{"k": []any{1, 2}}, &m); err != nil || !reflect.DeepEqual(m, map[named][]int{"k": {1, 2}}) {
			t.Errorf("map: %v %v", m, err)
		}
		var parts []any // supervisord's tailProcessStdoutLog answers [string, offset, overflow]
		if err := xmlrpc.Decode([]any{"log", 1600, false}, &parts); err != nil || len(parts) != 3 {
			t.Errorf("[]any: %v %v", parts, err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		var i8 int8
		var u uint
		var s string
		var infos []processInfo
		var f32 float32
		var ch chan int
		cases := []struct {
			src  any
			dst  any
			want string
		}{
			{300, &i8, "cannot decode int into int8: 300 overflows it"},
			{-1, &u, "cannot decode int into uint: -1 overflows it"},
			{1, &s, "cannot decode int into string"},
			{1e300, &f32, "cannot decode double into float32: out of range"},
			{map[string]any{}, &ch, "cannot decode struct into chan int"},
			{[]any{map[string]any{"name": "a"}, map[string]any{"pid": "x"}}, &infos, "cannot decode string into int at [1].pid"},
			{map[string]any{"a": []any{1, true}}, new(map[string][]int), "cannot decode boolean into int at a[1]"},
		}
		for _, c := range cases {
			err := xmlrpc.Decode(c.src, c.dst)
			if err == nil || err.Error() != "xmlrpc: "+c.want {
				t.Errorf("Decode(%#v, %T) = %v, want %q", c.src, c.dst, err, c.want)
			}
			if _, ok := errors.AsType[*xmlrpc.DecodeError](err); !ok {
				t.Errorf("Decode(%#v, %T): %T is not a *DecodeError", c.src, c.dst, err)
			}
		}
		if err := xmlrpc.Decode(1, i8); err == nil {
			t.Error("Decode into a non-pointer succeeded")
		}
		if err := xmlrpc.Decode(1, (*int)(nil)); err == nil {
			t.Error("Decode into a nil pointer succeeded")
		}
	})
}
