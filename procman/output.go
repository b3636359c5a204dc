package procman

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"

	"github.com/dmicro-go/dmicro/internal/rotate"
)

// output is one captured stream of a process, stdout or stderr: its log
// file, rotated by size, and the lines forwarded to the program's Logger.
// Each start of the process gives it a pipe; one goroutine per pipe copies
// until every holder of the pipe's other end (the child and whatever it
// left behind) has closed it.
type output struct {
	p      *process
	file   *rotate.File // nil: the output is discarded (and has no tail)
	stderr bool
	err    error // why the file could not be opened

	mu      sync.Mutex
	pending *os.File // the read end of the pipe of a child being started
	copies  sync.WaitGroup
}

// maxLine is the longest line forwarded to a Logger whole; a longer one is
// forwarded in pieces of this size, so that a flood without newlines
// cannot grow memory.
const maxLine = 64 << 10

func newOutput(p *process, l Log, stderr bool) *output {
	o := &output{p: p, stderr: stderr}
	if l.File != "" {
		o.file, o.err = rotate.Open(rotate.Config{Path: l.File, MaxBytes: l.MaxBytes, Backups: l.Backups})
	}
	return o
}

// captures reports whether anything reads the output.
func (o *output) captures() bool { return o.file != nil || o.p.prog.Logger != nil }

// pipes gives cmd its stdout and stderr: pipes to p's outputs, or nothing
// (the null device) when nothing reads them. The returned func closes the
// parent's copies of the write ends, once cmd has started.
func (p *process) pipes(cmd *exec.Cmd) (func(), error) {
	var ws []*os.File
	closeW := func() {
		for _, w := range ws {
			w.Close()
		}
	}
	if p.stdout.captures() {
		w, err := p.stdout.pipe()
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
		cmd.Stdout = w
		if p.err == p.stdout {
			cmd.Stderr = w
		}
	}
	if p.err != p.stdout && p.err.captures() {
		w, err := p.err.pipe()
		if err != nil {
			closeW()
			p.stdout.abandon()
			return nil, err
		}
		ws = append(ws, w)
		cmd.Stderr = w
	}
	return closeW, nil
}

// pipe makes the pipe of the next child and returns its write end.
func (o *output) pipe() (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.pending = r
	o.mu.Unlock()
	return w, nil
}

// begin starts copying the pipe of the child just started.
func (o *output) begin() {
	o.mu.Lock()
	r := o.pending
	o.pending = nil
	o.mu.Unlock()
	if r == nil {
		return
	}
	o.copies.Add(1)
	if !o.p.sup.owner.start(func() {
		defer o.copies.Done()
		o.copy(r)
	}) {
		o.copies.Done()
		r.Close()
	}
}

// abandon closes the pipe of a child that did not start.
func (o *output) abandon() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending != nil {
		o.pending.Close()
		o.pending = nil
	}
}

// copy copies r to the log file and the Logger until every writer closed it.
func (o *output) copy(r *os.File) {
	defer r.Close()
	buf := make([]byte, 32<<10)
	var line []byte // a partial line, for the Logger
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if o.file != nil {
				if _, werr := o.file.Write(chunk); werr != nil {
					o.p.sup.log.Warn("procman: cannot write a log", "process", o.p.full, "err", werr)
				}
			}
			if lg := o.p.prog.Logger; lg != nil {
				line = o.forward(lg, line, chunk)
			}
		}
		if err != nil {
			if lg := o.p.prog.Logger; lg != nil && len(line) > 0 {
				o.emit(lg, line)
			}
			return
		}
	}
}

// forward sends the whole lines of line+chunk to lg and returns what is
// left of the last, unfinished one.
func (o *output) forward(lg *slog.Logger, line, chunk []byte) []byte {
	for len(chunk) > 0 {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			line = append(line, chunk...)
			for len(line) >= maxLine {
				o.emit(lg, line[:maxLine])
				line = append(line[:0], line[maxLine:]...)
			}
			return line
		}
		if len(line) == 0 {
			o.emit(lg, chunk[:i])
		} else {
			line = append(line, chunk[:i]...)
			o.emit(lg, line)
			line = line[:0]
		}
		chunk = chunk[i+1:]
	}
	return line
}

func (o *output) emit(lg *slog.Logger, line []byte) {
	level, stream := slog.LevelInfo, "stdout"
	if o.stderr {
		level, stream = slog.LevelWarn, "stderr"
	}
	lg.Log(context.Background(), level, string(bytes.TrimSuffix(line, []byte("\r"))), "process", o.p.full, "stream", stream)
}

// close waits for the copies to end and closes the log file.
func (o *output) close() {
	o.abandon()
	o.copies.Wait()
	if o.file != nil {
		o.file.Close()
	}
}

// closeOutputs closes the process's outputs.
func (p *process) closeOutputs() {
	p.stdout.close()
	if p.err != p.stdout {
		p.err.close()
	}
}

var _ io.Writer = (*rotate.File)(nil)
