package conf

import (
	"errors"
	"strings"
	"testing"
)

// render returns f as WriteTo writes it.
func render(t testing.TB, f *File) string {
	t.Helper()
	var b strings.Builder
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGrammar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", ""},
		{"comments only", "# a\n; b\n   # c\n\n", ""},
		{"section and keys", "[math]\nPrecision = 3\nname=pi\n", "[math]\nPrecision = 3\nname = pi\n"},
		{"blanks around", "  [ math ]  \n\t Precision\t=\t3 \t\n", "[math]\nPrecision = 3\n"},
		{"comment after header", "[math] ; mine\n[x]# also\na=1\n", "[math]\n\n[x]\na = 1\n"},
		{"inline comments", "[m]\na = b ; c\nb = b\t# c\nc = b;c\nd = b#c\ne = ; all comment\nf = # too\n",
			"[m]\na = b\nb = b\nc = b;c\nd = b#c\ne =\nf =\n"},
		{"empty value", "[m]\na =\nb=\n", "[m]\na =\nb =\n"},
		{"value with equals", "[m]\nurl = http://x/?a=b&c=d\n", "[m]\nurl = http://x/?a=b&c=d\n"},
		{"quoted", "[m]\na = \"  padded ; kept # too  \"  ; comment\nb = \"line\\nbreak\\t\\\"q\\\"\"\nc = \"\"\n",
			"[m]\na = \"  padded ; kept # too  \"\nb = \"line\\nbreak\\t\\\"q\\\"\"\nc =\n"},
		{"quote inside is literal", "[m]\na = say \"hi\"\n", "[m]\na = say \"hi\"\n"},
		{"crlf and bom", "\uFEFF[m]\r\na = 1\r\n# c\r\n", "[m]\na = 1\n"},
		{"no final newline", "[m]\na = 1", "[m]\na = 1\n"},
		{"unicode", "[données]\nclé_a = héllo wörld\n", ""}, // the key is refused: see the errors test
		{"key spellings are one key", "[m]\nListenAddr = a\n", "[m]\nListenAddr = a\n"},
		{"sandbox and user sections in order", "[sandbox.B]\n[u]\n[sandbox.A]\n[app]\n", "[sandbox.B]\n\n[u]\n\n[sandbox.A]\n\n[app]\n"},
		{"name characters", "[my-svc.v2:x/y]\nk=v\n", "[my-svc.v2:x/y]\nk = v\n"},
		{"app keys", "[app]\nmode = multi\npid = /run/x.pid\nlog = /var/log/x.log\nlog_max_bytes = 50MiB\nlog_backups = 5\nshutdown_timeout = 15s\nreload_timeout = 1m\nhttp =\ndebug = false\n",
			"[app]\nmode = multi\npid = /run/x.pid\nlog = /var/log/x.log\nlog_max_bytes = 50MiB\nlog_backups = 5\nshutdown_timeout = 15s\nreload_timeout = 1m\nhttp =\ndebug = false\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.conf", []byte(tt.text), "", nil)
			if tt.name == "unicode" {
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("err = %v, want ErrSyntax", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := render(t, f); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	f, err := Parse("t.conf", []byte(`[m]
s = text
q = " padded "
list = a, b ,,c,
nolist =
empty =
`), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Section("m")
	if got := m.String("s", "d"); got != "text" {
		t.Errorf("String(s) = %q", got)
	}
	if got := m.String("Q", "d"); got != " padded " {
		t.Errorf("String(Q) = %q", got)
	}
	if got := m.String("absent", "d"); got != "d" {
		t.Errorf("String(absent) = %q", got)
	}
	if got := m.String("empty", "d"); got != "" {
		t.Errorf("String(empty) = %q, want the empty value", got)
	}
	if got, _ := m.Strings("list", nil); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("Strings(list) = %q", got)
	}
	if got, _ := m.Strings("nolist", []string{"x"}); len(got) != 0 {
		t.Errorf("Strings(nolist) = %q, want empty", got)
	}
	if got, _ := m.Strings("absent", []string{"x"}); len(got) != 1 {
		t.Errorf("Strings(absent) = %q, want the default", got)
	}
	if v, ok := m.Lookup("S"); !ok || v != "text" {
		t.Errorf("Lookup(S) = %q, %v", v, ok)
	}
	if !m.Has("empty") || m.Has("absent") {
		t.Error("Has is wrong")
	}
	if got := strings.Join(m.Keys(), ","); got != "s,q,list,nolist,empty" {
		t.Errorf("Keys = %s", got)
	}
}

func TestScalars(t *testing.T) {
	t.Parallel()
	type result struct {
		v   any
		err string // a part of the error's text; empty for none
	}
	tests := []struct {
		kind, value string
		want        result
	}{
		{"duration", "30s", result{30e9, ""}},
		{"duration", "1m30s", result{90e9, ""}},
		{"duration", "-1s", result{-1e9, ""}},
		{"duration", "0", result{0, ""}},
		{"duration", "", result{7, ""}}, // the default
		{"duration", "30", result{7, `bad value "30": a duration needs a unit, as in 30s`}},
		{"duration", "-5", result{7, "needs a unit"}},
		{"duration", "soon", result{7, "not a duration"}},
		{"int", "42", result{42, ""}},
		{"int", "-3", result{-3, ""}},
		{"int", "", result{7, ""}},
		{"int", "4.5", result{7, "not an integer"}},
		{"int", "99999999999999999999", result{7, "out of range"}},
		{"float", "1.5", result{1.5, ""}},
		{"float", "NaN", result{7.0, "not a finite number"}},
		{"float", "x", result{7.0, "not a finite number"}},
		{"bool", "true", result{true, ""}},
		{"bool", "YES", result{true, ""}},
		{"bool", "on", result{true, ""}},
		{"bool", "1", result{true, ""}},
		{"bool", "off", result{false, ""}},
		{"bool", "No", result{false, ""}},
		{"bool", "0", result{false, ""}},
		{"bool", "False", result{false, ""}},
		{"bool", "", result{true, ""}},
		{"bool", "maybe", result{true, "not a bool"}},
		{"size", "512", result{512, ""}},
		{"size", "64KiB", result{64 << 10, ""}},
		{"size", "50MiB", result{50 << 20, ""}},
		{"size", "2GiB", result{2 << 30, ""}},
		{"size", "1TiB", result{1 << 40, ""}},
		{"size", "3KB", result{3000, ""}},
		{"size", "50 MB", result{50_000_000, ""}},
		{"size", "2gb", result{2_000_000_000, ""}},
		{"size", "1TB", result{1_000_000_000_000, ""}},
		{"size", "7b", result{7, ""}},
		{"size", "-1", result{-1, ""}},
		{"size", "", result{9, ""}},
		{"size", "1.5GiB", result{9, "the unit must be"}},
		{"size", "lots", result{9, "not a size"}},
		{"size", "50MX", result{9, "the unit must be"}},
		{"size", "9999999999TiB", result{9, "out of range"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.value, func(t *testing.T) {
			f, err := Parse("t.conf", []byte("[m]\n\nk = "+tt.value+"\n"), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			m := f.Section("m")
			var got any
			switch tt.kind {
			case "duration":
				d, e := m.Duration("k", 7)
				got, err = float64(d), e
				if w, ok := tt.want.v.(int); ok {
					tt.want.v = float64(w)
				}
			case "int":
				got, err = m.Int("k", 7)
			case "float":
				got, err = m.Float("k", 7)
			case "bool":
				got, err = m.Bool("k", true)
			case "size":
				n, e := m.Size("k", 9)
				got, err = int(n), e
			}
			if got != tt.want.v {
				t.Errorf("value = %v (%T), want %v", got, got, tt.want.v)
			}
			checkErr(t, err, tt.want.err, ErrBadValue, `t.conf:3: key "k": `)
		})
	}
}

// checkErr checks that err is nil when part is empty, and otherwise that
// it matches kind and its text holds where and part.
func checkErr(t *testing.T, err error, part string, kind error, where string) {
	t.Helper()
	if part == "" {
		if err != nil {
			t.Errorf("err = %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("err = nil, want one saying %q", part)
	}
	if !errors.Is(err, kind) {
		t.Errorf("err = %v, not %v", err, kind)
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Errorf("err = %v, not an *Error", err)
	}
	if !strings.Contains(err.Error(), where) || !strings.Contains(err.Error(), part) {
		t.Errorf("err = %q, want %q and %q in it", err, where, part)
	}
}

func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		kind       error
		where      string // "file:line: key ..." as the text must hold it
		part       string
	}{
		{"neither", "[m]\njust words\n", ErrSyntax, "t.conf:2: ", "neither a comment, a [section] nor key = value"},
		{"empty key", "[m]\n = v\n", ErrSyntax, "t.conf:2: ", "empty key"},
		{"underscores only", "[m]\n__ = v\n", ErrSyntax, `t.conf:2: key "__": `, "letters, digits and underscores"},
		{"bad key", "[m]\nlisten addr = v\n", ErrSyntax, `t.conf:2: key "listen addr": `, "letters, digits and underscores"},
		{"dotted key", "[m]\na.b = v\n", ErrSyntax, `t.conf:2: key "a.b": `, "letters, digits"},
		{"key outside", "# c\na = 1\n[m]\n", ErrSyntax, `t.conf:2: key "a": `, "key outside a section"},
		{"unclosed header", "[m\n", ErrSyntax, "t.conf:1: ", "without ]"},
		{"text after header", "[m] x\n", ErrSyntax, "t.conf:1: ", `text "x" after the section header`},
		{"empty header", "[]\n", ErrSyntax, "t.conf:1: ", "want [NAME] or [NAME @ENV]"},
		{"three words", "[a b c]\n", ErrSyntax, "t.conf:1: ", "want [NAME] or [NAME @ENV]"},
		{"env without @", "[a dev]\n", ErrSyntax, "t.conf:1: ", "want [NAME] or [NAME @ENV]"},
		{"empty env", "[a @]\n", ErrSyntax, "t.conf:1: ", "want [NAME] or [NAME @ENV]"},
		{"env with @", "[a @d@v]\n", ErrSyntax, "t.conf:1: ", "an environment name"},
		{"@ glued", "[a@dev]\n", ErrSyntax, "t.conf:1: ", "an overlay is [NAME @ENV]"},
		{"quote in name", "[a\"b]\n", ErrSyntax, "t.conf:1: ", "a section name has no"},
		{"bare sandbox", "[sandbox]\n", ErrSyntax, "t.conf:1: ", "a sandbox section is [sandbox.NAME]"},
		{"nameless sandbox", "[sandbox.]\n", ErrSyntax, "t.conf:1: ", "a sandbox section is [sandbox.NAME]"},
		{"unterminated quote", "[m]\na = \"abc\n", ErrSyntax, `t.conf:2: key "a": `, "bad quoted value"},
		{"bad escape", "[m]\na = \"\\q\"\n", ErrSyntax, `t.conf:2: key "a": `, "bad quoted value"},
		{"text after quote", "[m]\na = \"x\" y\n", ErrSyntax, `t.conf:2: key "a": `, `text "y" after the quoted value`},
		{"not utf-8", "[m]\na = \xff\n", ErrSyntax, "t.conf:2: ", "not valid UTF-8"},
		{"section twice", "[m]\n[n]\n[m]\n", ErrDuplicate, "t.conf:3: ", "section [m] given twice (first at line 1)"},
		{"overlay twice", "[m @dev]\n[m @dev]\n", ErrDuplicate, "t.conf:2: ", "section [m @dev] given twice"},
		{"key twice", "[m]\na = 1\nb = 2\na = 3\n", ErrDuplicate, `t.conf:4: key "a": `, "given twice in the section (first at line 2)"},
		{"key twice, other spelling", "[m]\nListenAddr = 1\nlisten_addr = 2\n", ErrDuplicate, `t.conf:3: key "listen_addr": `, "first at line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.conf", []byte(tt.text), "", nil)
			if f != nil {
				t.Error("Parse returned a File with its error")
			}
			checkErr(t, err, tt.part, tt.kind, "conf: "+tt.where)
		})
	}
}

func TestErrorsAllReported(t *testing.T) {
	t.Parallel()
	_, err := Parse("t.conf", []byte("[m]\nx\n[m]\ny\n"), "", nil)
	for _, want := range []string{"t.conf:2:", "t.conf:3:", "t.conf:4:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %s in it", err, want)
		}
	}
	// The keys of a section whose header is refused are not taken for
	// the previous section's.
	_, err = Parse("t.conf", []byte("[m]\na = 1\n[m]\na = 2\n"), "", nil)
	if err == nil || strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("err = %v, want the duplicate section alone", err)
	}
}

// TestParseForSandboxes: a variable reaches the section of a named
// sandbox that the file does not have.
func TestParseForSandboxes(t *testing.T) {
	environ := []string{"DMICRO_SANDBOX_DRPCSANDBOX_LISTENADDR=127.0.0.1:9092", "DMICRO_SANDBOX_OTHER_LISTENADDR=x"}
	f, err := ParseFor("", nil, "", environ, []string{"DRpcSandBox"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Sandbox("DRpcSandBox").String("ListenAddr", ""); got != "127.0.0.1:9092" {
		t.Errorf("ListenAddr = %q", got)
	}
	if f.Sandbox("other").Has("ListenAddr") {
		t.Error("a variable reached the section of a sandbox the program does not have")
	}
	if _, err := ParseFor("", nil, "", []string{"DMICRO_SANDBOX_DRPCSANDBOX_LISTENADR=x"}, []string{"DRpcSandBox"}); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("an unknown key by variable: %v", err)
	}
}
