package lifecycle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// The status page's limits.
const (
	// statusLogLines is how many recent log lines the page shows.
	statusLogLines = 100
	// statusRefresh is how often, in seconds, the page refreshes itself.
	statusRefresh = 5
)

// serveStatus serves the status page when an address is configured: the
// --http ADDR flag of start, or http = ADDR in the [app] section (empty,
// the default, means no page). It listens through the app's sockets, so
// the page keeps its port across a reload and the new process serves it.
// An address that does not listen is an error that names it, and the app
// does not start. Only the top process serves the page; a service's child
// in multi-process mode does not.
//
// The page is read-only and has no authentication: it shows the app's
// paths, pids and log lines, so bind it to a loopback or private address.
// It serves two things, to GET and HEAD only (other methods get 405):
//
//   - / is a self-contained HTML page (no outside assets) with the build,
//     pid, uptime, mode, environment, configuration and log files, a table
//     of the services' sandboxes (state, pid, uptime, error), the services'
//     processes in multi-process mode, and the last 100 log lines. It
//     refreshes itself every 5 seconds, by script, or by a meta refresh
//     where scripts are off.
//   - /status.json is the same as JSON: [Info] with "logs", the recent
//     log lines, oldest first.
//
// The server is shut down with the rest of the app when it drains.
func (r *runner) serveStatus() error {
	if r.cfg.http == "" || r.in.role == roleService {
		return nil
	}
	ln, err := r.set.listen(context.Background(), "tcp", r.cfg.http, nil)
	if err != nil {
		return fmt.Errorf("lifecycle: status page on %s: %w", r.cfg.http, err)
	}
	log := r.log.With("component", "status")
	srv := &http.Server{
		Handler:           r.statusHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	r.status = srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("lifecycle: status page stopped", "err", err)
		}
	}()
	r.log.Info("lifecycle: status page", "url", "http://"+ln.Addr().String()+"/")
	return nil
}

// statusHandler routes the status page's requests. The mux answers 405
// (with Allow) to a method other than GET and HEAD, and 404 to another path.
func (r *runner) statusHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", r.statusPage)
	mux.HandleFunc("GET /status.json", r.statusJSON)
	return mux
}

// statusReport is what /status.json answers.
type statusReport struct {
	Info
	Logs []string `json:"logs"`
}

// statusJSON serves the app's state as JSON.
func (r *runner) statusJSON(w http.ResponseWriter, _ *http.Request) {
	rep := statusReport{Info: r.info(), Logs: r.logs.recent(statusLogLines)}
	if rep.Logs == nil {
		rep.Logs = []string{}
	}
	body, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.Write(append(body, '\n'))
}

// statusPage serves the app's state as HTML.
func (r *runner) statusPage(w http.ResponseWriter, _ *http.Request) {
	v := statusView{
		Info: r.info(), Logs: r.logs.recent(statusLogLines), Now: time.Now(),
		Refresh: statusRefresh, Style: template.CSS(statusStyle), Script: template.JS(statusScript),
	}
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, &v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", statusCSP)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

// statusView is the data of the page's template.
type statusView struct {
	Info
	Logs    []string
	Now     time.Time
	Refresh int
	Style   template.CSS
	Script  template.JS
}

// Up returns how long ago t was, as status prints uptimes.
func (v *statusView) Up(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return uptime(v.Now.Sub(t))
}

// SandboxUp returns a sandbox's uptime, or "-" when it does not run.
func (v *statusView) SandboxUp(s SandboxInfo) string {
	if s.State != Running {
		return "-"
	}
	return v.Up(s.Since)
}

// Time formats a time for the page.
func (v *statusView) Time(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

// cspHash returns the Content-Security-Policy source that allows the
// inline element whose text is s.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// statusCSP lets the page run its own script and style and nothing else:
// the script may fetch the page from its own origin.
var statusCSP = "default-src 'none'; script-src " + cspHash(statusScript) +
	"; style-src " + cspHash(statusStyle) +
	"; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const statusStyle = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.1em; margin: 1.5em 0 .5em; }
table { border-collapse: collapse; background: #fff; }
th, td { text-align: left; padding: .3em .8em; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #eee; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; margin: .8em 0; }
dt { color: #666; }
dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.state { font-weight: 600; }
.RUNNING { color: #1a7f37; }
.STARTING, .STOPPING, .BACKOFF { color: #9a6700; }
.FAILED, .FATAL, .EXITED { color: #cf222e; }
.STOPPED { color: #666; }
.error { color: #cf222e; font-family: ui-monospace, monospace; }
#refresh { color: #666; font-size: .9em; }
#refresh.down { color: #cf222e; }
pre { background: #fff; border: 1px solid #ddd; padding: .6em; max-height: 30em; overflow: auto; font-size: 12px; }
`

// statusScript refreshes the page in place every statusRefresh seconds,
// keeping the log scrolled to its end if it was, and says so, or says
// that the app does not answer. It is what makes the note in #refresh.
const statusScript = `
"use strict";
(() => {
	const every = 5000;
	const note = document.getElementById("refresh");
	const say = (text, down) => { note.textContent = text; note.className = down ? "down" : ""; };
	const scrollLog = (force) => {
		const log = document.getElementById("log");
		if (log && (force || log.scrollHeight - log.scrollTop - log.clientHeight < 4)) log.scrollTop = log.scrollHeight;
	};
	const refresh = async () => {
		try {
			const res = await fetch(location.pathname, {cache: "no-store"});
			if (!res.ok) throw new Error(res.status + " " + res.statusText);
			const doc = new DOMParser().parseFromString(await res.text(), "text/html");
			const old = document.getElementById("log");
			const atEnd = !old || old.scrollHeight - old.scrollTop - old.clientHeight < 4;
			document.getElementById("status").replaceWith(doc.getElementById("status"));
			document.title = doc.title;
			scrollLog(atEnd);
			say("refreshes every " + every / 1000 + " s; last at " + new Date().toLocaleTimeString(), false);
		} catch (e) {
			say("the app does not answer (" + e.message + "); retrying every " + every / 1000 + " s", true);
		}
		setTimeout(refresh, every);
	};
	scrollLog(true);
	say("refreshes every " + every / 1000 + " s", false);
	setTimeout(refresh, every);
})();
`

var statusTemplate = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Build.Name}} · pid {{.Pid}}</title>
<noscript><meta http-equiv="refresh" content="{{.Refresh}}"></noscript>
<style>{{.Style}}</style>
</head>
<body>
<main id="status">
<h1>{{.Build.Name}}</h1>
<p>pid <b id="pid">{{.Pid}}</b> · up {{$.Up .Started}} · mode {{.Mode}}{{with .Env}} · env {{.}}{{end}}{{if .Debug}} · debug logging{{end}}</p>
<dl>
<dt>version</dt><dd>{{or .Build.Version "(unknown)"}}{{with .Build.Commit}} ({{.}}){{end}}{{with .Build.BuildTime}}, built {{.}}{{end}}, {{.Build.GoVersion}}</dd>
<dt>started</dt><dd>{{$.Time .Started}}</dd>
<dt>config</dt><dd>{{or .Config "(none)"}}</dd>
<dt>log</dt><dd>{{or .Log "(stderr)"}}</dd>
<dt>binary</dt><dd>{{.Build.Path}}</dd>
</dl>
<h2>Services</h2>
{{if .Sandboxes}}<table id="sandboxes">
<thead><tr><th>Service</th><th>Sandbox</th><th>State</th><th>PID</th><th>Uptime</th><th>Error</th></tr></thead>
<tbody>
{{range .Sandboxes}}<tr><td>{{.Service}}</td><td class="name">{{.Name}}</td><td class="state {{.State}}">{{.State}}</td><td class="num">{{.Pid}}</td><td class="num">{{$.SandboxUp .}}</td><td class="error">{{.Error}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p>No sandboxes.</p>{{end}}
{{if .Children}}<h2>Processes</h2>
<table id="children">
<thead><tr><th>Service</th><th>State</th><th>PID</th><th>Uptime</th><th>Detail</th></tr></thead>
<tbody>
{{range .Children}}<tr><td class="name">{{.Service}}</td><td class="state {{.State}}">{{.State}}</td><td class="num">{{.Pid}}</td><td class="num">{{$.Up .Since}}</td><td>{{.Detail}}</td></tr>
{{end}}</tbody>
</table>
{{end}}<h2>Recent log</h2>
{{if .Logs}}<pre id="log">{{range .Logs}}{{.}}
{{end}}</pre>{{else}}<p>No log lines yet.</p>{{end}}
<p><small>at {{$.Time .Now}}</small></p>
</main>
<p id="refresh"></p>
<script>{{.Script}}</script>
</body>
</html>
`))
