package conf

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

type Common struct {
	Verbose bool
}

type mathConf struct {
	Common
	Precision int
	Name      string
	Ratio     float64
	Small     float32
	Tiny      int8
	Count     uint16
	Timeout   time.Duration
	Tags      []string
	Cache     int64  `conf:"cache_size,size"`
	Buffer    uint32 `conf:",size"`
	Addr      netip.Addr
	Skipped   string `conf:"-"`
	hidden    string
}

func TestDecode(t *testing.T) {
	t.Parallel()
	text := `[math]
precision = 3
Name = "pi ; e"
ratio = 1.5
small = 0.25
tiny = -128
count = 65535
timeout = 1m30s
tags = a, b
cache_size = 64MiB
buffer = 4KiB
addr = 127.0.0.1
VERBOSE = on
`
	f, err := Parse("t.conf", []byte(text), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := mathConf{Skipped: "kept", hidden: "kept"}
	if err := f.Section("math").Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := mathConf{
		Common: Common{Verbose: true}, Precision: 3, Name: "pi ; e", Ratio: 1.5, Small: 0.25, Tiny: -128, Count: 65535,
		Timeout: 90 * time.Second, Tags: []string{"a", "b"}, Cache: 64 << 20, Buffer: 4096,
		Addr: netip.MustParseAddr("127.0.0.1"), Skipped: "kept", hidden: "kept",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestDecodeDefaults(t *testing.T) {
	t.Parallel()
	f, err := Parse("t.conf", []byte("[math]\nprecision =\nname =\ntags =\n"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := mathConf{Precision: 7, Name: "x", Tags: []string{"x"}, Ratio: 2}
	if err := f.Section("math").Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Precision != 7 || got.Name != "" || len(got.Tags) != 0 || got.Ratio != 2 {
		t.Errorf("got %+v: an empty number keeps its default, an empty string or list is empty, an absent key keeps its value", got)
	}
	// An absent section decodes to nothing, without errors.
	if err := f.Section("none").Decode(&got); err != nil || got.Ratio != 2 {
		t.Errorf("Decode of an absent section: %v, %+v", err, got)
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line  string
		kind  error
		where string
		part  string
	}{
		{"precison = 3", ErrUnknownKey, `t.conf:2: key "precison": `, "unknown key in [math], did you mean Precision?"},
		{"cache_sise = 3", ErrUnknownKey, `t.conf:2: key "cache_sise": `, "did you mean cache_size?"},
		{"skipped = 3", ErrUnknownKey, `t.conf:2: key "skipped": `, "unknown key in [math]"},
		{"hidden = 3", ErrUnknownKey, `t.conf:2: key "hidden": `, "unknown key in [math]"},
		{"precision = three", ErrBadValue, `t.conf:2: key "precision": `, `bad value "three": not an integer`},
		{"tiny = 128", ErrBadValue, `t.conf:2: key "tiny": `, "out of range"},
		{"count = -1", ErrBadValue, `t.conf:2: key "count": `, "not an unsigned integer"},
		{"count = 65536", ErrBadValue, `t.conf:2: key "count": `, "out of range"},
		{"buffer = -1", ErrBadValue, `t.conf:2: key "buffer": `, "a negative size"},
		{"buffer = 5GiB", ErrBadValue, `t.conf:2: key "buffer": `, "out of range"},
		{"cache_size = 5XB", ErrBadValue, `t.conf:2: key "cache_size": `, "not a size"},
		{"ratio = x", ErrBadValue, `t.conf:2: key "ratio": `, "not a finite number"},
		{"small = 1e39", ErrBadValue, `t.conf:2: key "small": `, "not a finite number"},
		{"timeout = 90", ErrBadValue, `t.conf:2: key "timeout": `, "a duration needs a unit"},
		{"verbose = sometimes", ErrBadValue, `t.conf:2: key "verbose": `, "not a bool"},
		{"addr = nowhere", ErrBadValue, `t.conf:2: key "addr": `, `bad value "nowhere"`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			f, err := Parse("t.conf", []byte("[math]\n"+tt.line+"\n"), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			var c mathConf
			checkErr(t, f.Section("math").Decode(&c), tt.part, tt.kind, "conf: "+tt.where)
		})
	}
}

func TestDecodeReportsAll(t *testing.T) {
	t.Parallel()
	f, err := Parse("t.conf", []byte("[math]\na = 1\nprecision = x\nb = 2\n"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var c mathConf
	err = f.Section("math").Decode(&c)
	for _, want := range []string{"t.conf:2:", "t.conf:3:", "t.conf:4:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %s in it", err, want)
		}
	}
}

func TestDecodeBadTarget(t *testing.T) {
	t.Parallel()
	f, err := Parse("t.conf", []byte("[math]\n"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Section("math")
	var n int
	var nilPtr *mathConf
	tests := []struct {
		name string
		v    any
		part string
	}{
		{"nil", nil, "needs a non-nil pointer to a struct, not <nil>"},
		{"not a pointer", mathConf{}, "not conf.mathConf"},
		{"nil pointer", nilPtr, "not *conf.mathConf"},
		{"pointer to int", &n, "not *int"},
		{"map field", &struct{ M map[string]string }{}, "field M has type map[string]string"},
		{"pointer field", &struct{ P *int }{}, "field P has type *int"},
		{"size on a string", &struct {
			S string `conf:",size"`
		}{}, "field S has type string"},
		{"size on a duration", &struct {
			D time.Duration `conf:",size"`
		}{}, "field D has type time.Duration"},
		{"unknown option", &struct {
			S string `conf:",big"`
		}{}, `unknown tag option "big"`},
		{"bad tag name", &struct {
			S string `conf:"a.b"`
		}{}, `key "a.b" is not made of`},
		{"same key", &struct {
			ListenAddr string
			Other      string `conf:"listen_addr"`
		}{}, "fields ListenAddr and listen_addr take the same key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Decode(tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.part) || !strings.HasPrefix(err.Error(), "conf: ") {
				t.Errorf("err = %v, want %q in it", err, tt.part)
			}
		})
	}
}
