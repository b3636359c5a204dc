package metrics

import (
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/dmicro-go/dmicro/rpc"
)

// The Content-Types of the two exposition formats.
const (
	contentTypeText        = "text/plain; version=0.0.4; charset=utf-8"
	contentTypeOpenMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8"
)

// ServeHTTP answers a GET (or HEAD) with the metrics: in OpenMetrics 1.0.0
// when the Accept header prefers application/openmetrics-text (as
// Prometheus's does), else in the Prometheus text format 0.0.4; gzipped
// when Accept-Encoding allows it. Other methods get 405 Method Not
// Allowed. Each request reads every counter afresh; it takes no lock the
// call path takes.
func (mt *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "metrics: method "+r.Method+" not allowed; use GET", http.StatusMethodNotAllowed)
		return
	}
	om := wantsOpenMetrics(r.Header.Values("Accept"))
	body := mt.appendExposition(make([]byte, 0, mt.lastSize.Load()+512), om)
	mt.lastSize.Store(int64(len(body)))
	if om {
		h.Set("Content-Type", contentTypeOpenMetrics)
	} else {
		h.Set("Content-Type", contentTypeText)
	}
	h.Add("Vary", "Accept, Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		if r.Method == http.MethodHead {
			return
		}
		zw := gzip.NewWriter(w)
		zw.Write(body) // a failed write means the scraper went away
		zw.Close()
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// appendExposition appends every metric to b, in OpenMetrics if om is set.
func (mt *Metrics) appendExposition(b []byte, om bool) []byte {
	w := &expo{b: b, om: om, consts: mt.constLabels}
	eps, st := mt.endpointStats()
	list := mt.methods.list()
	les := mt.les
	if om {
		les = mt.omLes
	}
	cum := make([]uint64, len(les))
	ns := mt.ns + "_"

	var c [numCodes]uint64
	w.family(ns+"client_calls", "counter", "", "Calls this endpoint sent, by method and result code.")
	for _, st := range list {
		mt.appendCodes(w, st.label, &st.client, resCalls, &c)
	}
	w.family(ns+"client_call_duration_seconds", "histogram", "seconds", "Time from sending a call to having its reply decoded, by method.")
	for _, st := range list {
		appendHistogram(w, st.label, st.client.shards, les, cum)
	}
	w.family(ns+"client_calls_in_flight", "gauge", "", "Calls this endpoint sent and waits for.")
	w.series("")
	w.int(int64(st.CallsWaiting))
	w.family(ns+"client_pushes", "counter", "", "Pushes this endpoint sent, by method and the result of sending.")
	for _, st := range list {
		mt.appendCodes(w, st.label, &st.client, resPushes, &c)
	}

	w.family(ns+"server_calls", "counter", "", "Calls this endpoint answered, by method and the code of the reply written.")
	for _, st := range list {
		mt.appendCodes(w, st.label, &st.server, resCalls, &c)
	}
	w.family(ns+"server_call_duration_seconds", "histogram", "seconds", "Time from reading a call to writing its reply, by method.")
	for _, st := range list {
		appendHistogram(w, st.label, st.server.shards, les, cum)
	}
	w.family(ns+"server_requests_in_flight", "gauge", "", "Calls and pushes this endpoint read whose handlers run or wait to run.")
	w.series("")
	w.int(int64(st.Handling))
	w.family(ns+"server_pushes_received", "counter", "", "Pushes this endpoint read, by method.")
	for _, st := range list {
		appendMethodCount(w, st.label, sum(st.server.shards, atPushesRead))
	}
	w.family(ns+"server_pushes", "counter", "", "Pushes whose handler ran, by method and the code of the handler's result.")
	for _, st := range list {
		mt.appendCodes(w, st.label, &st.server, resPushes, &c)
	}

	w.family(ns+"received_bytes", "counter", "bytes", "Bytes read from the connections, whole frames.")
	w.series("_total")
	w.uint(st.BytesRead)
	w.family(ns+"sent_bytes", "counter", "bytes", "Bytes written to the connections, whole frames.")
	w.series("_total")
	w.uint(st.BytesWritten)

	var sessions [numSides]int64
	for _, e := range eps {
		e.RangeSessions(func(s *rpc.Session) bool {
			sessions[side(s)]++
			return true
		})
	}
	w.family(ns+"sessions", "gauge", "", "Sessions of the endpoints, by the side that made them; a dialed session that is redialing counts.")
	for i, n := range sessions {
		w.series("")
		w.label("side", sideName(i))
		w.int(n)
	}
	w.family(ns+"connections", "counter", "", "Connections made, by side; a dialed session's redials count.")
	appendSides(w, &mt.conns)
	w.family(ns+"disconnections", "counter", "", "Connections that ended, by side.")
	appendSides(w, &mt.disconns)
	w.family(ns+"redials", "counter", "", "Connections that dialed sessions made again after losing one.")
	w.series("_total")
	w.uint(mt.redials.Load())
	w.family(ns+"dial_failures", "counter", "", "Dial and redial attempts that failed.")
	w.series("_total")
	w.uint(mt.dialFailures.Load())

	if mt.runtime {
		appendRuntime(w)
	}
	w.end()
	return w.b
}

// endpointStats returns the endpoints counted and their stats added up,
// with the byte totals of those closed: under mt.mu, which
// AfterCloseEndpoint takes to move an endpoint's totals, so that the byte
// counters never go down.
func (mt *Metrics) endpointStats() ([]*rpc.Endpoint, rpc.Stats) {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	l := make([]*rpc.Endpoint, 0, len(mt.endpoints))
	total := mt.closed
	for e := range mt.endpoints {
		l = append(l, e)
		st := e.Stats()
		total.BytesRead += st.BytesRead
		total.BytesWritten += st.BytesWritten
		total.CallsWaiting += st.CallsWaiting
		total.Handling += st.Handling
	}
	return l, total
}

// appendCodes writes a counter sample per code that counted something, of
// the results res of sd; c is scratch.
func (mt *Metrics) appendCodes(w *expo, method string, sd *sideCounts, res int, c *[numCodes]uint64) {
	sd.codes(res, c)
	for i, v := range c {
		if v > 0 {
			w.series("_total")
			w.label("method", method)
			w.label("code", mt.codeLabels[i])
			w.uint(v)
		}
	}
}

// appendMethodCount writes a counter sample of method, if it counted
// something.
func appendMethodCount(w *expo, method string, v uint64) {
	if v > 0 {
		w.series("_total")
		w.label("method", method)
		w.uint(v)
	}
}

// appendHistogram writes the histogram of method kept in shards, if it
// counted something.
func appendHistogram(w *expo, method string, shards []sideShard, les []string, cum []uint64) {
	count := loadHistogram(shards, cum)
	if count == 0 {
		return
	}
	for i, le := range les {
		w.series("_bucket")
		w.label("method", method)
		w.label("le", le)
		w.uint(cum[i])
	}
	w.series("_count")
	w.label("method", method)
	w.uint(count)
	w.series("_sum")
	w.label("method", method)
	w.float(float64(sum(shards, atTimeSum)) / 1e9)
}

func appendSides(w *expo, c *[numSides]atomic.Uint64) {
	for i := range c {
		w.series("_total")
		w.label("side", sideName(i))
		w.uint(c[i].Load())
	}
}

func sideName(i int) string {
	if i == sideDialed {
		return "dialed"
	}
	return "accepted"
}

// wantsOpenMetrics reports whether the Accept header values prefer
// OpenMetrics to the text format: application/openmetrics-text is
// accepted, with a quality at least that of text/plain, text/* and */*.
func wantsOpenMetrics(accept []string) bool {
	om, text := -1.0, -1.0
	eachElement(accept, func(name string, q float64) {
		switch name {
		case "application/openmetrics-text":
			om = max(om, q)
		case "text/plain", "text/*", "*/*":
			text = max(text, q)
		}
	})
	return om > 0 && om >= text
}

// acceptsGzip reports whether the Accept-Encoding header values allow gzip.
func acceptsGzip(values []string) bool {
	gz, star := -1.0, -1.0
	eachElement(values, func(name string, q float64) {
		switch name {
		case "gzip":
			gz = max(gz, q)
		case "*":
			star = max(star, q)
		}
	})
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// eachElement calls fn with each element of comma-separated header values:
// its name in lower case, without parameters, and its q parameter (1 when
// absent, 0 when not a number from 0 to 1).
func eachElement(values []string, fn func(name string, q float64)) {
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(elem, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(p, "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
					continue
				}
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil || !(f >= 0 && f <= 1) {
					f = 0
				}
				q = f
			}
			fn(name, q)
		}
	}
}
