// Package dmicro_test checks the repository's README against the code.
package dmicro_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeQuickStart keeps the README's quick start identical to the rpc
// package's Example, which the tests compile and run.
func TestReadmeQuickStart(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("rpc/example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	start := strings.Index(s, "type Arith struct")
	if start < 0 {
		t.Fatal("rpc/example_test.go has no Arith type")
	}
	for _, part := range []string{s[start:strings.Index(s, "func Example() {")], s[strings.Index(s, "func Example() {"):]} {
		if !strings.Contains(string(readme), strings.TrimSpace(part)) {
			t.Errorf("README.md's quick start differs from rpc/example_test.go; copy this into it:\n%s", part)
		}
	}
	for _, cmd := range []string{"make demo", "make test"} {
		if !strings.Contains(string(readme), cmd) {
			t.Errorf("README.md does not show %q", cmd)
		}
	}
}
