//go:build unix

package conf_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/dmicro-go/dmicro/procman/conf"
)

func Example() {
	const config = `
[supervisord]
childlogdir = /var/log/app

[program:web]
command = /usr/bin/web --port 80%(process_num)02d --root "%(here)s/www"
process_name = %(program_name)s_%(process_num)02d
numprocs = 2
stdout_logfile = /var/log/app/web-%(process_num)d.log
redirect_stderr = true

[program:worker]
command = /usr/bin/worker -q 'jobs high'   ; a comment
priority = 10
autorestart = true
environment = QUEUE="jobs",LEVEL=info
`
	f, err := conf.Parse("app.conf", strings.NewReader(config), &conf.Options{Dir: "/etc/app"})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range f.Programs {
		fmt.Printf("%s (group %q, priority %d): %s %q\n", p.Name, p.Group, p.Priority, p.Command, p.Args)
		fmt.Printf("  autorestart=%v env=%q stdout=%s\n", p.AutoRestart, p.Env, p.Stdout.File)
	}
	// Output:
	// worker (group "", priority 10): /usr/bin/worker ["-q" "jobs high"]
	//   autorestart=true env=["QUEUE=jobs" "LEVEL=info"] stdout=/var/log/app/worker-stdout---supervisor-auto.log
	// web_00 (group "web", priority 999): /usr/bin/web ["--port" "8000" "--root" "/etc/app/www"]
	//   autorestart=unexpected env=[] stdout=/var/log/app/web-0.log
	// web_01 (group "web", priority 999): /usr/bin/web ["--port" "8001" "--root" "/etc/app/www"]
	//   autorestart=unexpected env=[] stdout=/var/log/app/web-1.log
}

// Errors name the file, the line and the key at fault.
func Example_error() {
	const config = `
[program:web]
command = /usr/bin/web
startsecs = soon
`
	_, err := conf.Parse("app.conf", strings.NewReader(config), nil)
	fmt.Println(err)
	var e *conf.Error
	if errors.As(err, &e) && errors.Is(err, conf.ErrConfig) {
		fmt.Printf("line %d, [%s] %s\n", e.Line, e.Section, e.Key)
	}
	// Output:
	// conf: app.conf:4: [program:web] startsecs: "soon" is not an integer
	// line 4, [program:web] startsecs
}
