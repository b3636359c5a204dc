package wire

import (
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

func TestMethodCache(t *testing.T) {
	var c MethodCache // the zero value is ready
	if s := c.Intern(nil); s != "" || c.Len() != 0 {
		t.Fatalf("Intern(nil) = %q, cache holds %d", s, c.Len())
	}
	a, b := c.Intern([]byte("/same")), c.Intern([]byte("/same"))
	if a != "/same" || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Fatal("a repeated method was not interned")
	}
	if allocs := testing.AllocsPerRun(100, func() { c.Intern([]byte("/same")) }); allocs != 0 {
		t.Errorf("interning a known method allocated %v times", allocs)
	}
	for i := range maxCachedMethods + 10 {
		c.Intern([]byte("/m/" + strconv.Itoa(i)))
	}
	if c.Len() != maxCachedMethods {
		t.Errorf("cache holds %d methods, want the cap %d", c.Len(), maxCachedMethods)
	}
	var d MethodCache
	long := "/" + strings.Repeat("x", maxCachedMethodLen)
	if s := d.Intern([]byte(long)); s != long || d.Len() != 0 {
		t.Errorf("a method of %d bytes was cached", len(long))
	}
}
