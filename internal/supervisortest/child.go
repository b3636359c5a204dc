//go:build linux

package supervisortest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ChildArg is the first argument of a child: a program that finds it in
// os.Args[1] hands os.Args[2:] to [RunChild].
const ChildArg = "supervisortest-child"

// Children makes the command lines of the children that a configuration
// runs: Exe re-executed with ChildArg, the Token and a mode.
type Children struct {
	// Exe is the program re-executed as every child: a test binary or a
	// command whose main calls RunChild. It must be an absolute path.
	Exe string
	// Token marks every child's command line, so that [Survivors] finds
	// the children left behind. It must not be empty or contain white
	// space.
	Token string
}

// Command returns the command line, quoted for a configuration's
// command= (supervisord's shlex splitting), that runs the child mode with
// args. The words are not escaped for supervisord's %-expansion, so that
// an argument may hold %(here)s; Exe and Token must not hold a '%'. The modes, and what their arguments are:
//
//	sleep                  sleep until killed
//	exit CODE              exit with CODE at once
//	exit-after DUR CODE    exit with CODE after DUR (a Go duration)
//	exit-seq FILE DUR C... count its runs in FILE; after DUR, exit with the
//	                       n-th CODE of the list (the last one from then on)
//	ignore-term            ignore SIGTERM, say so, and sleep
//	print N                print N numbered lines on stdout and N on
//	                       stderr, then sleep
//	listener SOCKET        speak supervisord's event listener protocol and
//	                       send each PROCESS_STATE event to SOCKET (see
//	                       ListenEvents); it ignores SIGTERM, so that it
//	                       still forwards the events of a supervisord that
//	                       shuts down until it is killed (give it a short
//	                       stopwaitsecs)
//	flap SOCKET DUR        send "start NS" to the unixgram SOCKET, after
//	                       DUR send "exit NS" and exit 0 (NS: the Unix time
//	                       in nanoseconds); but when the file SOCKET.hold
//	                       exists, send "hold NS" after the start and sleep
//	loud RATE SIZE         sleep until SIGUSR1, then print RATE lines a
//	                       second of SIZE bytes each, until killed
func (c Children) Command(mode string, args ...string) string {
	words := append([]string{c.Exe, ChildArg, c.Token, mode}, args...)
	for i, w := range words {
		words[i] = quote(w)
	}
	return strings.Join(words, " ")
}

// quote quotes w for shlex.split.
func quote(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,+@") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'"'"'`) + "'"
}

// RunChild runs the child that args (what follows ChildArg: the token, the
// mode and its arguments) name, and returns its exit code; the caller
// exits with it. Most modes never return: they sleep until killed.
func RunChild(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "supervisortest: a child needs a token and a mode")
		return 2
	}
	if err := runChild(args[1], args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "supervisortest:", args[1]+":", err)
		return 2
	}
	return 0
}

func runChild(mode string, args []string) error {
	need := func(n int) error {
		if len(args) < n {
			return fmt.Errorf("needs %d arguments, has %d", n, len(args))
		}
		return nil
	}
	switch mode {
	case "sleep":
		select {}
	case "exit":
		if err := need(1); err != nil {
			return err
		}
		return exitWith(args[0])
	case "exit-after":
		if err := need(2); err != nil {
			return err
		}
		d, err := time.ParseDuration(args[0])
		if err != nil {
			return err
		}
		time.Sleep(d)
		return exitWith(args[1])
	case "exit-seq":
		if err := need(3); err != nil {
			return err
		}
		return exitSeq(args[0], args[1], args[2:])
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM")
		select {}
	case "print":
		if err := need(1); err != nil {
			return err
		}
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return err
		}
		for i := 1; i <= n; i++ {
			fmt.Fprintf(os.Stdout, "stdout line %d\n", i)
			fmt.Fprintf(os.Stderr, "stderr line %d\n", i)
		}
		select {}
	case "listener":
		if err := need(1); err != nil {
			return err
		}
		signal.Ignore(syscall.SIGTERM)
		return listener(args[0], os.Stdin, os.Stdout)
	case "flap":
		if err := need(2); err != nil {
			return err
		}
		return flap(args[0], args[1])
	case "loud":
		if err := need(2); err != nil {
			return err
		}
		return loud(args[0], args[1])
	}
	return fmt.Errorf("no mode %q", mode)
}

// exitWith exits with the code s.
func exitWith(s string) error {
	code, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	os.Exit(code)
	return nil
}

// exitSeq counts the runs in file and exits with the code of this run.
func exitSeq(file, dur string, codes []string) error {
	d, err := time.ParseDuration(dur)
	if err != nil {
		return err
	}
	n := 0
	if b, err := os.ReadFile(file); err == nil {
		n, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if err := os.WriteFile(file, []byte(strconv.Itoa(n+1)+"\n"), 0o644); err != nil {
		return err
	}
	time.Sleep(d)
	return exitWith(codes[min(n, len(codes)-1)])
}

// listener speaks supervisord's event listener protocol on in and out: it
// says READY, reads an event (a header line, then len bytes of payload),
// sends a PROCESS_STATE event to the socket as a line "GROUP:NAME FROM TO
// EXPECTED" (EXPECTED is 1 or 0 for EXITED, "-" otherwise), and only then
// answers OK, so that an event is forwarded before supervisord sends the
// next one.
func listener(socket string, in io.Reader, out io.Writer) error {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(in)
	for {
		if _, err := io.WriteString(out, "READY\n"); err != nil {
			return err
		}
		line, err := r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		head := fields(line)
		n, err := strconv.Atoi(head["len"])
		if err != nil {
			return fmt.Errorf("bad header %q", line)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return err
		}
		if to, ok := strings.CutPrefix(head["eventname"], "PROCESS_STATE_"); ok {
			p := fields(string(payload))
			expected := "-"
			if e, ok := p["expected"]; ok {
				expected = e
			}
			msg := fmt.Sprintf("%s:%s %s %s %s\n", p["groupname"], p["processname"], p["from_state"], to, expected)
			if _, err := io.WriteString(conn, msg); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(out, "RESULT 2\nOK"); err != nil {
			return err
		}
	}
}

// fields splits "k:v k2:v2" into a map.
func fields(s string) map[string]string {
	m := make(map[string]string)
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// flap reports its start and its exit to socket, or holds (see Command).
func flap(socket, dur string) error {
	d, err := time.ParseDuration(dur)
	if err != nil {
		return err
	}
	conn, err := net.Dial("unixgram", socket)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(conn, "start %d", time.Now().UnixNano()); err != nil {
		return err
	}
	if _, err := os.Stat(socket + ".hold"); err == nil {
		if _, err := fmt.Fprintf(conn, "hold %d", time.Now().UnixNano()); err != nil {
			return err
		}
		select {}
	}
	time.Sleep(d)
	if _, err := fmt.Fprintf(conn, "exit %d", time.Now().UnixNano()); err != nil {
		return err
	}
	return conn.Close()
}

// loud waits for SIGUSR1, then prints rate lines a second of size bytes
// each, in a write every 10 ms, catching up when it fell behind.
func loud(rateArg, sizeArg string) error {
	rate, err := strconv.Atoi(rateArg)
	if err != nil {
		return err
	}
	size, err := strconv.Atoi(sizeArg)
	if err != nil {
		return err
	}
	size = max(size, 16)
	go1 := make(chan os.Signal, 1)
	signal.Notify(go1, syscall.SIGUSR1)
	<-go1
	signal.Ignore(syscall.SIGUSR1)
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	line := []byte(strings.Repeat("x", size-1) + "\n")
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	written := 0
	for range tick.C {
		due := int(time.Since(start).Seconds() * float64(rate))
		for ; written < due; written++ {
			n := strconv.AppendInt(line[:0:0], int64(written), 10)
			copy(line, n)
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}
