package conf_test

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/dmicro-go/dmicro/lifecycle/conf"
)

const mathConf = `[app]
mode = single
shutdown_timeout = 15s
log_max_bytes = 50MiB

[sandbox.DRpcSandBox]
ListenAddr = :9091
ReadTimeout = 30s
Formats = raw, http    ; one port, two formats

[sandbox.DRpcSandBox @dev]
ListenAddr = 127.0.0.1:9091

[math]
Precision = 3
`

// Parse a file with the "dev" overlays and one environment override,
// then build the endpoint of its sandbox and read the program's own
// section.
func Example() {
	f, err := conf.Parse("math.conf", []byte(mathConf), "dev", []string{"DMICRO_SANDBOX_DRPCSANDBOX_MAX_CONNS=100"})
	if err != nil {
		log.Fatal(err)
	}
	app := f.App()
	fmt.Println("app:", app.Mode, app.ShutdownTimeout, app.LogMaxBytes)

	for _, name := range f.Sandboxes() {
		cfg, err := f.Sandbox(name).Endpoint()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name+":", cfg.ListenAddr, cfg.ReadTimeout, len(cfg.Formats), "formats, at most", cfg.MaxConns, "connections")
	}

	var math struct{ Precision int }
	if err := f.Section("math").Decode(&math); err != nil {
		log.Fatal(err)
	}
	fmt.Println("precision:", math.Precision)
	// Output:
	// app: single 15s 52428800
	// DRpcSandBox: 127.0.0.1:9091 30s 2 formats, at most 100 connections
	// precision: 3
}

// A fault names the file, the line and the key, and matches its kind.
func ExampleParse_errors() {
	_, err := conf.Parse("math.conf", []byte("[sandbox.DRpcSandBox]\nListenAdr = :9091\nReadTimeout = 30\n"), "", nil)
	fmt.Println(err)
	fmt.Println(errors.Is(err, conf.ErrUnknownKey), errors.Is(err, conf.ErrBadValue))
	// Output:
	// conf: math.conf:2: key "ListenAdr": unknown key in [sandbox.DRpcSandBox], did you mean ListenAddr?
	// conf: math.conf:3: key "ReadTimeout": bad value "30": a duration needs a unit, as in 30s or 1m30s
	// true true
}

// WriteTo shows the configuration as the program sees it.
func ExampleFile_WriteTo() {
	f, err := conf.Parse("math.conf", []byte(mathConf), "dev", []string{"DMICRO_APP_DEBUG=on"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := f.WriteTo(os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// [app]
	// mode = single
	// shutdown_timeout = 15s
	// log_max_bytes = 50MiB
	// debug = on
	//
	// [sandbox.DRpcSandBox]
	// ListenAddr = 127.0.0.1:9091
	// ReadTimeout = 30s
	// Formats = raw, http
	//
	// [math]
	// Precision = 3
}
