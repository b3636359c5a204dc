package hotrestart

import (
	"net/http"
	"os"
	"strconv"
	"time"
)

// WorkTime is how long GET /work takes: a handler that models work, so
// that requests are in flight when the old process drains.
const WorkTime = 5 * time.Millisecond

// Handler is the server of both programs: GET / answers the pid of the
// process that serves it; GET /work waits [WorkTime], then does the same.
// It is all the two programs share: neither links the other's library.
func Handler() http.Handler {
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { w.Write(pid) })
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(WorkTime)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		w.Write(pid)
	})
	return mux
}
