package http

import "github.com/dmicro-go/dmicro/rpc/wire"

// sniffMethods are the request methods whose first bytes Sniff recognises,
// each with the space that follows it.
var sniffMethods = [...]string{"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// Sniff reports whether a connection that starts with prefix speaks HTTP:
// Yes when it starts with a request method and a space ("POST "),
// NeedMore when it is a shorter prefix of one, No otherwise.
func (Format) Sniff(prefix []byte) wire.SniffResult {
	res := wire.No
	for _, m := range sniffMethods {
		n := min(len(prefix), len(m))
		if string(prefix[:n]) != m[:n] {
			continue
		}
		if n == len(m) {
			return wire.Yes
		}
		res = wire.NeedMore
	}
	return res
}
