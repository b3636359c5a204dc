package rpc

import "testing"

func TestPathSegment(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// The examples of the package doc and of pathSegment.
		{"Add", "add"},
		{"Math", "math"},
		{"MyCall", "my_call"},
		{"GetHTTPStatus", "get_http_status"},
		{"HTTPServer", "http_server"},
		{"V2Users", "v2_users"},
		{"ABcXYz", "a_bc_x_yz"},
		{"User_Get", "user/get"},
		{"Aa_Bb", "aa/bb"},
		{"Aa__Bb", "aa_bb"},
		// Acronyms and digits.
		{"ID", "id"},
		{"UserID", "user_id"},
		{"IDs", "i_ds"},
		{"JSONToXML", "json_to_xml"},
		{"getHTTP", "get_http"},
		{"Add2", "add2"},
		{"Version2Beta", "version2_beta"},
		{"A", "a"},
		{"a", "a"},
		{"", ""},
		// Separators and literal underscores together.
		{"Math_Add_Two", "math/add/two"},
		{"My__Call_GetID", "my_call/get_id"},
		{"HTTP__Server", "http_server"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := pathSegment(tc.in); got != tc.want {
				t.Errorf("pathSegment(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestJoinPath(t *testing.T) {
	for _, tc := range []struct{ prefix, path, want string }{
		{"", "/x", "/x"},
		{"", "x", "/x"},
		{"", "", "/"},
		{"/", "", "/"},
		{"/", "/", "/"},
		{"/", "x", "/x"},
		{"/v1", "x", "/v1/x"},
		{"/v1", "/x", "/v1/x"},
		{"v1/", "/x/", "/v1/x"},
		{"/v1/", "", "/v1"},
		{"/v1", "/", "/v1"},
		{"//v1//", "//x//", "/v1/x"},
		{"/v1/math", "add", "/v1/math/add"},
		{"a/b", "c/d", "/a/b/c/d"},
	} {
		t.Run(tc.prefix+"+"+tc.path, func(t *testing.T) {
			if got := joinPath(tc.prefix, tc.path); got != tc.want {
				t.Errorf("joinPath(%q, %q) = %q, want %q", tc.prefix, tc.path, got, tc.want)
			}
		})
	}
}
