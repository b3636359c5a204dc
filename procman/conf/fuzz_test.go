//go:build unix

package conf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// fuzzFS is the file system a fuzzed config includes from: small files,
// one of which includes itself.
func fuzzFS() fstest.MapFS {
	return fstest.MapFS{
		"etc/conf.d/a.conf":   {Data: []byte("[program:a]\ncommand=%(here)s/a\n")},
		"etc/conf.d/b.conf":   {Data: []byte("[group:g]\nprograms=a\n")},
		"etc/loop.conf":       {Data: []byte("[include]\nfiles=loop.conf\n")},
		"etc/bad.conf":        {Data: []byte("[program:bad]\n")},
		"etc/sub/.hidden.ini": {Data: []byte("[program:hidden]\ncommand=h\n")},
	}
}

// FuzzParse parses arbitrary text: it must not panic, every error must be
// an *Error that wraps ErrConfig, and a text that parses must parse the
// same again, into programs procman accepts with unique names.
func FuzzParse(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "fuzz") {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil {
			f.Add(string(data))
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"[program:p]\ncommand=/bin/p %(process_num)02d\nprocess_name=p%(process_num)d\nnumprocs=3\n",
		"[include]\nfiles=conf.d/*.conf loop.conf sub/*.ini\n",
		"[DEFAULT]\nautostart=false\n[program:x]\ncommand=x\n  y\n\n  z ;c\nenvironment=A=\"1\",B=2\n",
		"\ufeff[supervisord]\r\nenvironment=K='v'\r\n[program:k]\r\ncommand=%(ENV_K)s\r\n",
		"[eventlistener:e]\ncommand=e\n",
	} {
		f.Add(s)
	}
	opts := &Options{Dir: "/etc", Environ: []string{"HOME=/home/u", "TMPDIR=/tmp"}, Hostname: "h", FS: fuzzFS()}
	f.Fuzz(func(t *testing.T, text string) {
		file, err := Parse("/etc/fuzz.conf", strings.NewReader(text), opts)
		if err != nil {
			var e *Error
			if !errors.Is(err, ErrConfig) || !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error that wraps ErrConfig", err, err)
			}
			if !strings.HasPrefix(err.Error(), "conf: ") {
				t.Fatalf("error %q does not start with conf: ", err)
			}
			return
		}
		again, err := Parse("/etc/fuzz.conf", strings.NewReader(text), opts)
		if err != nil || !reflect.DeepEqual(file, again) {
			t.Fatalf("a second parse differs: %v\n%+v\n%+v", err, file, again)
		}
		names := make(map[string]bool)
		for _, p := range file.Programs {
			if err := p.Validate(); err != nil {
				t.Fatalf("program %q: %v", p.Name, err)
			}
			if names[p.Name] {
				t.Fatalf("two programs are called %q", p.Name)
			}
			names[p.Name] = true
		}
	})
}
