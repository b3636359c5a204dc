//go:build unix

// Command hotrestart-tableflip is the cloudflare/tableflip side of the
// hot-restart benchmark (package hotrestart): tableflip's http example
// (tableflip.New, upg.Listen, SIGHUP → upg.Upgrade(), upg.Ready(),
// <-upg.Exit(), then http.Server.Shutdown) serving hotrestart.Handler.
// SIGTERM and SIGINT stop it (upg.Stop, then the same shutdown).
//
//	hotrestart-tableflip -listen 127.0.0.1:8080 -pid-file app.pid
//	kill -HUP $(cat app.pid)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cloudflare/tableflip"

	"github.com/dmicro-go/dmicro/internal/compat/bench/hotrestart"
)

func main() { os.Exit(run(os.Args[1:])) }

// run runs the server with its flags, -listen ADDR and -pid-file FILE,
// and returns the exit code.
func run(args []string) int {
	fs := flag.NewFlagSet("hotrestart-tableflip", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "`address` to listen on")
	pidFile := fs.String("pid-file", "", "`path` to the pid file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log.SetPrefix(fmt.Sprintf("%d ", os.Getpid()))

	upg, err := tableflip.New(tableflip.Options{PIDFile: *pidFile})
	if err != nil {
		log.Println("tableflip:", err)
		return 1
	}
	defer upg.Stop()

	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
		for s := range sig {
			if s != syscall.SIGHUP {
				upg.Stop()
				return
			}
			if err := upg.Upgrade(); err != nil {
				log.Println("upgrade failed:", err)
			}
		}
	}()

	ln, err := upg.Listen("tcp", *listen)
	if err != nil {
		log.Println("can't listen:", err)
		return 1
	}
	srv := &http.Server{Handler: hotrestart.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			log.Println("http server:", err)
		}
	}()
	if err := upg.Ready(); err != nil {
		log.Println("ready:", err)
		return 1
	}
	<-upg.Exit()

	// The same bound as the dmicro app's shutdown_timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Println("shutdown:", err)
		return 1
	}
	return 0
}
