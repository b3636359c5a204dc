//go:build unix

package procman_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The test binary re-executed is every child these tests supervise: with
// helperEnv set it runs the helper mode named there instead of the tests,
// and notes its pid in the file pidsEnv names, so that TestMain can check
// that no child outlived the tests.
const (
	helperEnv = "PROCMAN_TEST_HELPER"
	pidsEnv   = "PROCMAN_TEST_PIDS"
)

// runHelper runs the helper mode mode, with its arguments, and exits.
//
//	sleep                sleeps until killed
//	ignore-term          ignores SIGTERM, then sleeps
//	exit N               exits with code N at once
//	exit-after D N       exits with code N after D
//	daemon               starts a grandchild that leaves the process group (setsid) and sleeps, prints its pid, sleeps
//	daemon-exit          the same, but exits at once after printing
//	print N SIZE         prints N lines of SIZE bytes, numbered, then sleeps
//	env KEY              prints KEY's value, then sleeps
//	umask                prints its umask, then sleeps
//	pwd                  prints its working directory, then sleeps
//	fd N                 writes its pid as a line to file descriptor N, then sleeps
func runHelper(mode string, args []string) {
	notePid(os.Getpid())
	switch mode {
	case "sleep":
		select {}
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM")
		select {}
	case "exit":
		code, _ := strconv.Atoi(args[0])
		os.Exit(code)
	case "exit-after":
		d, _ := time.ParseDuration(args[0])
		code, _ := strconv.Atoi(args[1])
		time.Sleep(d)
		os.Exit(code)
	case "daemon", "daemon-exit":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), helperEnv+"=sleep")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("grandchild", cmd.Process.Pid)
		if mode == "daemon-exit" {
			os.Exit(0)
		}
		select {}
	case "print":
		n, _ := strconv.Atoi(args[0])
		size, _ := strconv.Atoi(args[1])
		w := bufio.NewWriterSize(os.Stdout, 64<<10)
		pad := strings.Repeat("x", max(size-16, 0)) // "line %09d " and the newline are 16 bytes
		for i := range n {
			fmt.Fprintf(w, "line %09d %s\n", i, pad)
		}
		w.Flush()
		select {}
	case "env":
		fmt.Printf("%s=%s\n", args[0], os.Getenv(args[0]))
		select {}
	case "umask":
		old := syscall.Umask(0)
		fmt.Printf("umask %04o\n", old)
		select {}
	case "pwd":
		wd, _ := os.Getwd()
		fmt.Println("pwd", wd)
		select {}
	case "fd":
		fd, _ := strconv.Atoi(args[0])
		f := os.NewFile(uintptr(fd), "extra")
		if _, err := fmt.Fprintln(f, os.Getpid()); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		f.Close()
		select {}
	}
	fmt.Println("unknown helper mode", mode)
	os.Exit(2)
}

// notePid appends pid to the file pidsEnv names.
func notePid(pid int) {
	name := os.Getenv(pidsEnv)
	if name == "" {
		return
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, pid)
}

// helperEnvFor returns the environment of a child running mode.
func helperEnvFor(mode string) []string {
	return []string{helperEnv + "=" + mode}
}

// survivors returns the pids noted in the pids file that still run.
func survivors(file string) []int {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		if pid > 0 && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// alive reports whether pid runs and is not a zombie.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true // no /proc: trust kill
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
