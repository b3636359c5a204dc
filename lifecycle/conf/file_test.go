package conf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const sample = `# math service
[app]
mode = single            ; single | multi
pid = /run/math.pid
log = /var/log/math.log
log_max_bytes = 50MiB
log_backups = 5
shutdown_timeout = 15s
reload_timeout = 1m
http =                   ; status page address, empty = off
debug = false

[sandbox.DRpcSandBox]
Network = tcp
ListenAddr = :9091
ReadTimeout = 30s
LogCalls = true

[sandbox.DRpcSandBox @dev]   ; an overlay
ListenAddr = 127.0.0.1:9091

[app @dev]
debug = true

[sandbox.Admin @prod]
ListenAddr = :9100

[math]                      ; the program's own
Precision = 3
`

func TestOverlays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env       string
		addr      string
		debug     bool
		sandboxes []string
	}{
		{"", ":9091", false, []string{"DRpcSandBox"}},
		{"dev", "127.0.0.1:9091", true, []string{"DRpcSandBox"}},
		{"prod", ":9091", false, []string{"DRpcSandBox", "Admin"}},
		{"Dev", ":9091", false, []string{"DRpcSandBox"}}, // environments are case-sensitive
	}
	for _, tt := range tests {
		t.Run("env="+tt.env, func(t *testing.T) {
			f, err := Parse("math.conf", []byte(sample), tt.env, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Sandbox("DRpcSandBox").String("ListenAddr", ""); got != tt.addr {
				t.Errorf("ListenAddr = %q, want %q", got, tt.addr)
			}
			if got := f.App().Debug; got != tt.debug {
				t.Errorf("Debug = %v, want %v", got, tt.debug)
			}
			if got := f.Sandboxes(); !reflect.DeepEqual(got, tt.sandboxes) {
				t.Errorf("Sandboxes = %q, want %q", got, tt.sandboxes)
			}
			if f.Env() != tt.env || f.Path() != "math.conf" {
				t.Errorf("Env, Path = %q, %q", f.Env(), f.Path())
			}
			// The overlay keeps the key's place in its section.
			if got := strings.Join(f.Sandbox("DRpcSandBox").Keys(), ","); got != "Network,ListenAddr,ReadTimeout,LogCalls" {
				t.Errorf("Keys = %s", got)
			}
		})
	}
}

func TestOverlayBeforeBase(t *testing.T) {
	t.Parallel()
	text := "[m @dev]\na = dev\nc = new\n[m]\na = base\nb = base\n[sandbox.x]\n"
	f, err := Parse("t.conf", []byte(text), "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "[m]\na = dev\nb = base\nc = new\n\n[sandbox.x]\n"
	if got := render(t, f); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := f.Sections(); !reflect.DeepEqual(got, []string{"m", "sandbox.x"}) {
		t.Errorf("Sections = %q", got)
	}
	// An overlay may unset a key: an empty value is the default.
	f, err = Parse("t.conf", []byte("[sandbox.x]\nReadTimeout = 5s\n[sandbox.x @dev]\nread_timeout =\n"), "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := f.Sandbox("x").Duration("ReadTimeout", time.Minute); d != time.Minute || err != nil {
		t.Errorf("ReadTimeout = %v, %v; want the default", d, err)
	}
}

func TestApp(t *testing.T) {
	t.Parallel()
	f, err := Parse("math.conf", []byte(sample), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := App{
		Mode: "single", Pid: "/run/math.pid", Log: "/var/log/math.log",
		LogMaxBytes: 50 << 20, LogBackups: 5,
		ShutdownTimeout: 15 * time.Second, ReloadTimeout: time.Minute,
	}
	if got := f.App(); got != want {
		t.Errorf("App = %+v\nwant  %+v", got, want)
	}
	f, err = Parse("t.conf", []byte("[math]\n"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.App(); got != (App{}) {
		t.Errorf("App of a file without [app] = %+v", got)
	}
	if s := f.Section("app"); s == nil || len(s.Keys()) != 0 || s.Name() != "app" {
		t.Errorf("Section(app) = %+v, want an empty section", s)
	}
	if s := f.Sandbox("nope"); s == nil || s.Name() != "sandbox.nope" || s.Has("ListenAddr") {
		t.Errorf("Sandbox(nope) = %+v, want an empty section", s)
	}
}

func TestEnviron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		environ []string
		env     string
		check   func(t *testing.T, f *File)
	}{
		{"override", []string{"DMICRO_SANDBOX_DRPCSANDBOX_LISTENADDR=127.0.0.1:9092", "DMICRO_APP_DEBUG=true"}, "dev", func(t *testing.T, f *File) {
			if got := f.Sandbox("DRpcSandBox").String("ListenAddr", ""); got != "127.0.0.1:9092" {
				t.Errorf("ListenAddr = %q", got)
			}
			if !f.App().Debug {
				t.Error("Debug = false")
			}
		}},
		{"underscored key", []string{"DMICRO_SANDBOX_DRPCSANDBOX_LISTEN_ADDR=:1", "DMICRO_APP_LOGMAXBYTES=1KiB"}, "", func(t *testing.T, f *File) {
			if got := f.Sandbox("DRpcSandBox").String("listen_addr", ""); got != ":1" {
				t.Errorf("ListenAddr = %q", got)
			}
			if got := f.App().LogMaxBytes; got != 1024 {
				t.Errorf("LogMaxBytes = %d", got)
			}
		}},
		{"adds a key", []string{"DMICRO_SANDBOX_DRPCSANDBOX_MAX_CONNS=7", "DMICRO_MATH_MODE=fast"}, "", func(t *testing.T, f *File) {
			if n, err := f.Sandbox("DRpcSandBox").Int("MaxConns", 0); n != 7 || err != nil {
				t.Errorf("MaxConns = %d, %v", n, err)
			}
			if got := f.Section("math").String("Mode", ""); got != "fast" {
				t.Errorf("math Mode = %q", got)
			}
			if keys := f.Section("math").Keys(); keys[len(keys)-1] != "mode" {
				t.Errorf("math keys = %q", keys)
			}
		}},
		{"value taken as is", []string{`DMICRO_MATH_PRECISION= "4" ; x`}, "", func(t *testing.T, f *File) {
			if got := f.Section("math").String("precision", ""); got != ` "4" ; x` {
				t.Errorf("Precision = %q", got)
			}
		}},
		{"last wins", []string{"DMICRO_APP_LOG_BACKUPS=1", "DMICRO_APP_LOG_BACKUPS=2"}, "", func(t *testing.T, f *File) {
			if got := f.App().LogBackups; got != 2 {
				t.Errorf("LogBackups = %d", got)
			}
		}},
		{"others left alone", []string{"PATH=/bin", "DMICRO_NOPE_X=1", "DMICRO_APP=1", "DMICRO_=", "DMICRO_SANDBOX_OTHER_LISTENADDR=:1", "junk"}, "", func(t *testing.T, f *File) {
			if got := f.Sandboxes(); len(got) != 1 {
				t.Errorf("Sandboxes = %q", got)
			}
		}},
		{"overlay-only section", []string{"DMICRO_SANDBOX_ADMIN_LISTENADDR=:9200"}, "prod", func(t *testing.T, f *File) {
			if got := f.Sandbox("Admin").String("ListenAddr", ""); got != ":9200" {
				t.Errorf("Admin ListenAddr = %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("math.conf", []byte(sample), tt.env, tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, f)
		})
	}
}

func TestEnvironApp(t *testing.T) {
	t.Parallel()
	// [app] takes variables whether the file has it or not.
	f, err := Parse("t.conf", []byte("[sandbox.a]\n"), "", []string{"DMICRO_APP_MODE=multi"})
	if err != nil {
		t.Fatal(err)
	}
	if f.App().Mode != "multi" || f.Sections()[0] != "app" {
		t.Errorf("App = %+v, sections %q", f.App(), f.Sections())
	}
	// The longest section name wins.
	f, err = Parse("t.conf", []byte("[a]\n[a.b]\n"), "", []string{"DMICRO_A_B_C=1", "DMICRO_A_X=2"})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Section("a.b").Has("c") || f.Section("a").Has("bc") || !f.Section("a").Has("x") {
		t.Errorf("got\n%s", render(t, f))
	}
}

func TestEnvironErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		environ    []string
		kind       error
		where      string
		part       string
	}{
		{"bad value", "[app]\n", []string{"DMICRO_APP_DEBUG=maybe"}, ErrBadValue,
			`conf: environment DMICRO_APP_DEBUG: key "debug": `, `bad value "maybe": not a bool`},
		{"unknown key", "[sandbox.x]\n", []string{"DMICRO_SANDBOX_X_LISTENADR=:1"}, ErrUnknownKey,
			`conf: environment DMICRO_SANDBOX_X_LISTENADR: key "listenadr": `, "did you mean ListenAddr?"},
		{"unknown app key", "", []string{"DMICRO_APP_DEBGU=1"}, ErrUnknownKey,
			`conf: environment DMICRO_APP_DEBGU: key "debgu": `, "did you mean debug?"},
		{"ambiguous", "[a.b]\n[a_b]\n", []string{"DMICRO_A_B_C=1"}, ErrSyntax,
			"conf: environment DMICRO_A_B_C: ", "names sections [a.b] and [a_b] alike"},
		{"no key", "[app]\n", []string{"DMICRO_APP_-=1"}, ErrSyntax,
			"conf: environment DMICRO_APP_-: ", "names no key"},
		{"bad format", "[sandbox.x]\n", []string{"DMICRO_SANDBOX_X_FORMAT=xml"}, ErrBadValue,
			`conf: environment DMICRO_SANDBOX_X_FORMAT: key "format": `, "the format is raw, json, pb, http or jsonrpc"},
		{"tls pair", "[sandbox.x]\n", []string{"DMICRO_SANDBOX_X_TLS_CERT=c.pem"}, ErrBadValue,
			`conf: environment DMICRO_SANDBOX_X_TLS_CERT: key "tlscert": `, "TLSCert needs TLSKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.conf", []byte(tt.text), "", tt.environ)
			checkErr(t, err, tt.part, tt.kind, tt.where)
		})
	}
}

func TestCheckErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		kind       error
		where      string
		part       string
	}{
		{"unknown app key", "[app]\ndebgu = 1\n", ErrUnknownKey, `t.conf:2: key "debgu": `, "unknown key in [app], did you mean debug?"},
		{"unknown app key, other spelling", "[app]\nShutdownTimout = 1s\n", ErrUnknownKey, `t.conf:2: key "ShutdownTimout": `, "did you mean shutdown_timeout?"},
		{"unknown key, nothing near", "[app]\ncolour = red\n", ErrUnknownKey, `t.conf:2: key "colour": `, "unknown key in [app]"},
		{"unknown sandbox key", "[sandbox.S]\nReadTimout = 1s\n", ErrUnknownKey, `t.conf:2: key "ReadTimout": `, "unknown key in [sandbox.S], did you mean ReadTimeout?"},
		{"unknown key in another env's overlay", "[sandbox.S @prod]\nlisten_adr = :1\n", ErrUnknownKey, `t.conf:2: key "listen_adr": `, "did you mean ListenAddr?"},
		{"bad mode", "[app]\nmode = double\n", ErrBadValue, `t.conf:2: key "mode": `, `bad value "double": the mode is single or multi`},
		{"bad app duration", "[app]\nshutdown_timeout = 15\n", ErrBadValue, `t.conf:2: key "shutdown_timeout": `, "a duration needs a unit, as in 15s"},
		{"bad app size", "[app]\nlog_max_bytes = big\n", ErrBadValue, `t.conf:2: key "log_max_bytes": `, "not a size"},
		{"bad sandbox value in overlay", "[sandbox.S]\n[sandbox.S @dev]\nMaxConns = many\n", ErrBadValue, `t.conf:3: key "MaxConns": `, "not an integer"},
		{"bad format", "[sandbox.S]\nFormat = xml\n", ErrBadValue, `t.conf:2: key "Format": `, "the format is raw, json, pb, http or jsonrpc"},
		{"bad formats", "[sandbox.S]\nFormats = raw, xml\n", ErrBadValue, `t.conf:2: key "Formats": `, `format "xml"`},
		{"cert without key", "[sandbox.S]\nTLSCert = c.pem\n", ErrBadValue, `t.conf:2: key "TLSCert": `, "TLSCert needs TLSKey"},
		{"key without cert", "[sandbox.S]\ntls_key = k.pem\n", ErrBadValue, `t.conf:2: key "tls_key": `, "TLSKey needs TLSCert"},
		{"cert without key after overlay", "[sandbox.S]\nTLSCert = c.pem\nTLSKey = k.pem\n[sandbox.S @dev]\nTLSKey =\n", ErrBadValue, `t.conf:2: key "TLSCert": `, "TLSCert needs TLSKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.conf", []byte(tt.text), "dev", nil)
			checkErr(t, err, tt.part, tt.kind, "conf: "+tt.where)
		})
	}
	// A user section is not checked at load.
	if _, err := Parse("t.conf", []byte("[math]\nanything = goes\n"), "", nil); err != nil {
		t.Error(err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "math.conf")
	if err := os.WriteFile(path, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path, "dev", []string{"DMICRO_APP_LOG_BACKUPS=9"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Path() != path || f.App().LogBackups != 9 || !f.App().Debug {
		t.Errorf("Path %q, App %+v", f.Path(), f.App())
	}
	_, err = Load(filepath.Join(t.TempDir(), "none.conf"), "", nil)
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "conf: ") {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
	if err := os.WriteFile(path, []byte("[app]\nmode = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path, "", nil)
	checkErr(t, err, "the mode is single or multi", ErrBadValue, path+`:2: key "mode": `)
}

func TestErrorsLocated(t *testing.T) {
	t.Parallel()
	_, err := Parse("t.conf", []byte("[app]\ndebug = maybe\n"), "", nil)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	want := Error{File: "t.conf", Line: 2, Section: "app", Key: "debug", Kind: ErrBadValue}
	if ce.File != want.File || ce.Line != want.Line || ce.Section != want.Section || ce.Key != want.Key || ce.Kind != want.Kind || ce.Env != "" {
		t.Errorf("Error = %+v", ce)
	}
	if errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrSyntax) {
		t.Error("err matches other kinds")
	}
	// Errorf locates a program's own faults.
	f, err := Parse("t.conf", []byte("[math]\n\nPrecision = 99\n"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkErr(t, f.Section("math").Errorf("precision", "at most %d", 15), "at most 15", ErrBadValue, `conf: t.conf:3: key "Precision": at most 15`)
	checkErr(t, f.Section("math").Errorf("digits", "needed"), "needed", ErrBadValue, `conf: t.conf:1: key "digits": needed`)
	checkErr(t, f.Section("none").Errorf("k", "needed"), "needed", ErrBadValue, `conf: t.conf: key "k": needed`)
}
