package xmlrpc

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
)

// BasicAuth returns a handler that serves h only to requests carrying the
// HTTP basic credentials username and password, as supervisord guards its
// servers when [unix_http_server] or [inet_http_server] sets them. A
// password of the form "{SHA}" followed by a hex SHA-1 digest matches the
// passwords with that digest, as in supervisord's configuration.
//
// Other requests get 401 Unauthorized with the header
// `WWW-Authenticate: Basic realm="default"` and `Connection: close`, as
// supervisord answers them; supervisorctl then reports that the server
// requires authentication. When username is empty, BasicAuth returns h
// itself: supervisord asks for credentials only when a username is set.
//
// supervisord guards its whole server: wrap the handler that serves /RPC2,
// /logtail/ and /mainlogtail/ alike.
func BasicAuth(h http.Handler, username, password string) http.Handler {
	if username == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if ok && checkCredentials(u, p, username, password) {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="default"`)
		w.Header().Set("Connection", "close")
		http.Error(w, "xmlrpc: unauthorized", http.StatusUnauthorized)
	})
}

// checkCredentials compares the given credentials with the configured ones
// in time that does not depend on where they differ.
func checkCredentials(user, pass, wantUser, wantPass string) bool {
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(wantUser)) == 1
	var passOK bool
	if digest, ok := strings.CutPrefix(wantPass, "{SHA}"); ok {
		sum := sha1.Sum([]byte(pass))
		passOK = subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(digest)) == 1
	} else {
		passOK = subtle.ConstantTimeCompare([]byte(pass), []byte(wantPass)) == 1
	}
	return userOK && passOK
}
