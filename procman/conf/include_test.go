//go:build unix

package conf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// TestIncludeNested loads testdata/include: a main file whose [include]
// has two patterns, one of them a glob, and an included file with an
// [include] of its own.
func TestIncludeNested(t *testing.T) {
	f, err := Load("testdata/include/supervisord.conf")
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{
		"testdata/include/supervisord.conf",
		"testdata/include/conf.d/web.conf",
		"testdata/include/nested/deep.ini",
		"testdata/include/conf.d/worker.conf",
		"testdata/include/extra/one.ini",
	}
	if !reflect.DeepEqual(f.Files, wantFiles) {
		t.Errorf("files %q\nwant %q", f.Files, wantFiles)
	}
	dir := abs(t, "testdata/include")
	got := make(map[string]string)
	for _, p := range f.Programs {
		got[p.Group+":"+p.Name] = strings.Join(append([]string{p.Command}, p.Args...), " ")
	}
	want := map[string]string{
		":main":          dir + "/bin/main",
		"backend:web_0":  dir + "/conf.d/web --port 8000",
		"backend:web_1":  dir + "/conf.d/web --port 8001",
		"backend:worker": "/usr/bin/worker",
		":deep":          dir + "/nested/deep",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("programs %q\nwant %q", got, want)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings %q", f.Warnings)
	}
	for _, p := range f.Programs {
		if want := dir + "/logs/main-stdout---supervisor-auto.log"; p.Name == "main" && p.Stdout.File != want {
			t.Errorf("the main program's log is %s, not %s", p.Stdout.File, want)
		}
	}
}

// writeFiles writes files (name -> text) under a new directory and
// returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestIncludeLoop(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.conf":    "[include]\nfiles = a/one.conf\n",
		"a/one.conf":   "[program:one]\ncommand=one\n[include]\nfiles = ../b/two.conf\n",
		"b/two.conf":   "\n[include]\nfiles = ../a/*.conf\n",
		"self.conf":    "[include]\nfiles = self.conf\n",
		"diamond.conf": "[include]\nfiles = d/x.conf d/y.conf\n",
		"d/x.conf":     "[include]\nfiles = z.conf\n",
		"d/y.conf":     "[include]\nfiles = z.conf\n",
		"d/z.conf":     "[program:z]\ncommand=z\n",
	})
	main := filepath.Join(dir, "main.conf")
	_, err := Load(main)
	want := "conf: " + dir + "/b/two.conf:3: [include] files: " + dir + "/a/one.conf includes itself: " +
		dir + "/a/one.conf -> " + dir + "/b/two.conf -> " + dir + "/a/one.conf"
	if err == nil || err.Error() != want || !errors.Is(err, ErrConfig) {
		t.Errorf("a loop:\ngot  %v\nwant %s", err, want)
	}
	_, err = Load(filepath.Join(dir, "self.conf"))
	if want := "conf: " + dir + "/self.conf:2: [include] files: " + dir + "/self.conf includes itself: " + dir + "/self.conf -> " + dir + "/self.conf"; err == nil || err.Error() != want {
		t.Errorf("a file that includes itself:\ngot  %v\nwant %s", err, want)
	}
	// A file included twice, but not within itself, is no loop.
	f, err := Load(filepath.Join(dir, "diamond.conf"))
	if err != nil || len(f.Programs) != 1 || len(f.Files) != 5 {
		t.Errorf("a diamond: %v, %d programs from %q", err, len(f.Programs), f.Files)
	}
}

func TestIncludeSymlinkLoop(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.conf": "[include]\nfiles = link.conf\n"})
	if err := os.Symlink(filepath.Join(dir, "main.conf"), filepath.Join(dir, "link.conf")); err != nil {
		t.Skip("no symlinks:", err)
	}
	if _, err := Load(filepath.Join(dir, "main.conf")); err == nil || !strings.Contains(err.Error(), "includes itself") {
		t.Errorf("a loop through a symlink: %v", err)
	}
}

func TestIncludeWarningsAndErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.conf":  "[include]\nfiles = none/*.conf bad.conf\n",
		"bad.conf":   "[program:bad]\ncommand = /bin/bad\nstartsecs = soon\n",
		"abs.conf":   "[include]\nfiles = %(here)s/sub/*.conf\n",
		"sub/s.conf": "[program:s]\ncommand=%(here)s/s\n",
		"dir.conf":   "[include]\nfiles = sub\n",
	})
	_, err := Load(filepath.Join(dir, "main.conf"))
	if want := "conf: " + dir + "/bad.conf:3: [program:bad] startsecs: \"soon\" is not an integer"; err == nil || err.Error() != want {
		t.Errorf("an error in an included file:\ngot  %v\nwant %s", err, want)
	}
	if err := os.Remove(filepath.Join(dir, "bad.conf")); err != nil {
		t.Fatal(err)
	}
	f, err := Load(filepath.Join(dir, "main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		dir + "/main.conf:2: [include] files: no file matches \"" + dir + "/none/*.conf\"",
		dir + "/main.conf:2: [include] files: no file matches \"" + dir + "/bad.conf\"",
	}
	if !reflect.DeepEqual(f.Warnings, want) {
		t.Errorf("warnings %q\nwant %q", f.Warnings, want)
	}
	f, err = Load(filepath.Join(dir, "abs.conf"))
	if err != nil || len(f.Programs) != 1 || f.Programs[0].Command != dir+"/sub/s" {
		t.Errorf("an absolute pattern: %v, %+v", err, f)
	}
	_, err = Load(filepath.Join(dir, "dir.conf"))
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || !strings.Contains(err.Error(), "cannot read "+dir+"/sub") {
		t.Errorf("including a directory: %v", err)
	}
}

// TestIncludeFS reads includes from an fs.FS, as fuzzing does.
func TestIncludeFS(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/sv/conf.d/a.conf": {Data: []byte("[program:a]\ncommand=%(here)s/a\n")},
		"etc/sv/conf.d/b.conf": {Data: []byte("[program:b]\ncommand=b\n[include]\nfiles=/opt/*.ini\n")},
		"opt/c.ini":            {Data: []byte("[program:c]\ncommand=%(here)s/c\n")},
	}
	opts := testOptions()
	opts.FS = fsys
	f, err := Parse("/etc/sv/supervisord.conf", strings.NewReader("[include]\nfiles=conf.d/*.conf\n"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/etc/sv/supervisord.conf", "/etc/sv/conf.d/a.conf", "/etc/sv/conf.d/b.conf", "/opt/c.ini"}; !reflect.DeepEqual(f.Files, want) {
		t.Errorf("files %q\nwant %q", f.Files, want)
	}
	var got []string
	for _, p := range f.Programs {
		got = append(got, p.Command)
	}
	if want := []string{"/etc/sv/conf.d/a", "b", "/opt/c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("commands %q, want %q", got, want)
	}
	_, err = Parse("x.conf", strings.NewReader("[include]\nfiles=missing/../../../x.conf /\n"), &Options{FS: fsys, Dir: "/"})
	if err == nil || !strings.HasPrefix(err.Error(), "conf: x.conf:2: [include] files: cannot read /: ") {
		t.Errorf("including the root of the FS: %v", err)
	}
}

func TestIncludeDepth(t *testing.T) {
	files := make(fstest.MapFS)
	for i := range 40 {
		files["f"+itoa(i)+".conf"] = &fstest.MapFile{Data: []byte("[include]\nfiles=f" + itoa(i+1) + ".conf\n")}
	}
	_, err := Parse("/f0.conf", strings.NewReader(string(files["f0.conf"].Data)), &Options{FS: files})
	if err == nil || !strings.Contains(err.Error(), "includes nest deeper than 32 files") {
		t.Errorf("deep includes: %v", err)
	}
}

func TestUnhidden(t *testing.T) {
	names := []string{"d/a.conf", "d/.b.conf", ".e/c.conf"}
	if got := unhidden("d/*.conf", append([]string(nil), names[:2]...), "/"); !reflect.DeepEqual(got, []string{"d/a.conf"}) {
		t.Errorf("d/*.conf: %q", got)
	}
	if got := unhidden("d/.*.conf", []string{"d/.b.conf"}, "/"); len(got) != 1 {
		t.Errorf("d/.*.conf: %q", got)
	}
	if got := unhidden("*/c.conf", []string{".e/c.conf"}, "/"); len(got) != 0 {
		t.Errorf("*/c.conf: %q", got)
	}
	if got := pyPattern("a[!b]c"); got != "a[^b]c" {
		t.Errorf("pyPattern: %q", got)
	}
}
