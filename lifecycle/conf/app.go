package conf

import (
	"time"
)

// App is the [app] section: how the lifecycle package runs the program.
// A key that is absent (or empty) leaves its field's zero value, for the
// caller to replace with its default.
type App struct {
	// Mode is "single" (one process) or "multi"; empty when not set.
	Mode string `conf:"mode"`
	// Pid is the path of the pid file.
	Pid string `conf:"pid"`
	// Log is the path of the log file, LogMaxBytes the size at which it is
	// rotated, and LogBackups the number of rotated files kept.
	Log         string `conf:"log"`
	LogMaxBytes int64  `conf:"log_max_bytes,size"`
	LogBackups  int    `conf:"log_backups"`
	// ShutdownTimeout bounds a graceful stop, ReloadTimeout a reload.
	ShutdownTimeout time.Duration `conf:"shutdown_timeout"`
	ReloadTimeout   time.Duration `conf:"reload_timeout"`
	// HTTP is the address of the status page; empty means none.
	HTTP string `conf:"http"`
	// Debug turns on debug logging.
	Debug bool `conf:"debug"`
}

// checkApp reports the faults of an [app] section or overlay: unknown
// keys and bad values.
func checkApp(s *Section) []error {
	var a App
	errs := s.decode(&a)
	if e, ok := s.scalar("mode"); ok && e.value != "single" && e.value != "multi" {
		errs = append(errs, s.bad(e, "the mode is single or multi", nil))
	}
	return errs
}
