package http

import "testing"

// TestAuthorizationHeaderIsMetadata: the standard credential header arrives
// as the metadata pair "authorization", whatever its case, so that any HTTP
// client can authenticate (the auth plugin reads the pair).
func TestAuthorizationHeaderIsMetadata(t *testing.T) {
	input := post("/math/add", "[1]", "AUTHORIZATION: Bearer s3cret", "Rpc-Meta-Author: liu") +
		post("/math/add", "[2]")
	fr := serverOn(t, Format{}, input, 0)
	gs, _ := fr.readAll()
	if len(gs) != 2 || gs[0].m == nil || gs[1].m == nil {
		t.Fatalf("read %+v, want two requests", gs)
	}
	if got := gs[0].m.Meta.Get("authorization"); got != "Bearer s3cret" {
		t.Errorf("authorization = %q, want %q", got, "Bearer s3cret")
	}
	if got := gs[0].m.Meta.Get("author"); got != "liu" {
		t.Errorf("author = %q, want liu", got)
	}
	if n := gs[1].m.Meta.Len(); n != 0 {
		t.Errorf("the second request has %d metadata pairs, want none", n)
	}
}
