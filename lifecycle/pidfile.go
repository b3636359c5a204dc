package lifecycle

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// writePidFile writes this process's pid to path atomically (a new file
// renamed over the old), so that a reader never sees it half written and
// a reload's new process takes the file over in one step.
func writePidFile(path string) error {
	if path == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("lifecycle: pid file: %w", err)
	}
	_, err = tmp.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("lifecycle: pid file: %w", err)
	}
	return nil
}

// readPidFile returns the pid in path, or 0 if there is none.
func readPidFile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("lifecycle: pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("lifecycle: pid file %s holds %q, not a pid", path, strings.TrimSpace(string(b)))
	}
	return pid, nil
}

// removeOwnPidFile removes path if it still names this process: after a
// reload it names the new one, which must keep it.
func removeOwnPidFile(path string) {
	if pid, err := readPidFile(path); err == nil && pid == os.Getpid() {
		os.Remove(path)
	}
}
