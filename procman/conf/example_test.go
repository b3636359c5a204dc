package conf_test

import (
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
stdout_logfile = /var/log/app/%(process_name)s.log ; not a name: an error
`
	_, err := conf.Parse("app.conf", strings.NewReader(config), &conf.Options{Dir: "/etc/app"})
	fmt.Println(err)

	config2 := strings.Replace(config, "%(process_name)s", "web-%(process_num)d", 1)
	f, err := conf.Parse("app.conf", strings.NewReader(config2+`
[program:worker]
command = /usr/bin/worker -q 'jobs high'
priority = 10
autorestart = true
environment = QUEUE="jobs",LEVEL=info
`), &conf.Options{Dir: "/etc/app"})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range f.Programs {
		fmt.Printf("%s (group %q, priority %d): %s %q\n", p.Name, p.Group, p.Priority, p.Command, p.Args)
		fmt.Printf("  autorestart=%v env=%q stdout=%s\n", p.AutoRestart, p.Env, p.Stdout.File)
	}
	// Output:
	// conf: app.conf:9: [program:web] stdout_logfile: %(process_name) names no expansion; there are group_name, here, host_node_name, numprocs, process_num, program_name, ENV_x
	// worker (group "", priority 10): /usr/bin/worker ["-q" "jobs high"]
	//   autorestart=true env=["QUEUE=jobs" "LEVEL=info"] stdout=/var/log/app/worker-stdout---supervisor-auto.log
	// web_00 (group "web", priority 999): /usr/bin/web ["--port" "8000" "--root" "/etc/app/www"]
	//   autorestart=unexpected env=[] stdout=/var/log/app/web-0.log
	// web_01 (group "web", priority 999): /usr/bin/web ["--port" "8001" "--root" "/etc/app/www"]
	//   autorestart=unexpected env=[] stdout=/var/log/app/web-1.log
}
