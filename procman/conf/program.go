package conf

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dmicro-go/dmicro/procman"
)

// maxNumProcs caps numprocs, so that a typo cannot make a million programs.
const maxNumProcs = 4096

// at is what procman's "zero means the default" fields are set to for
// supervisord's "at once" and "none": startsecs=0 (RUNNING at once),
// startretries=0 (FATAL at the first failed start), and a log's
// maxbytes=0 and backups=0.
const at = -1

// programKeys returns the keys of a [program:x] section: supervisord's,
// then procman's own.
func programKeys() []string {
	return []string{
		"command", "process_name", "numprocs", "numprocs_start", "priority", "autostart",
		"startsecs", "startretries", "autorestart", "exitcodes", "stopsignal", "stopwaitsecs",
		"stopasgroup", "killasgroup", "user", "redirect_stderr", "environment", "directory",
		"umask", "serverurl",
		"stdout_logfile", "stdout_logfile_maxbytes", "stdout_logfile_backups",
		"stdout_capture_maxbytes", "stdout_events_enabled", "stdout_syslog",
		"stderr_logfile", "stderr_logfile_maxbytes", "stderr_logfile_backups",
		"stderr_capture_maxbytes", "stderr_events_enabled", "stderr_syslog",
		"backoff", "backoff_min", "backoff_max", "backoff_reset", "backoff_multiplier", "backoff_jitter",
	}
}

// member is a program's place: its group's name, and the [group:x]
// section that put it there, or nil for a group of its own.
type member struct {
	group   string
	section *section
}

// programs reads the [program:x] and [group:x] sections into Programs, in
// supervisord's order, and Groups.
func (p *parser) programs(programs map[string]*section, groups []*section, d *Supervisord) ([]procman.Program, []Group, error) {
	members := make(map[*section]member)
	var (
		out     []Group
		inGroup [][]*section // the program sections of each of out, in order
	)
	for _, g := range groups {
		grp, secs, err := p.group(g, programs, members)
		if err != nil {
			return nil, nil, err
		}
		if i := slices.IndexFunc(out, func(o Group) bool { return o.Name == grp.Name }); i >= 0 {
			return nil, nil, errorAt(g.pos, g.name, "", "the group %s is also [%s]", grp.Name, groups[i].name)
		}
		out, inGroup = append(out, grp), append(inGroup, secs)
	}
	type built struct {
		sec      *section
		group    string
		priority int // the group's
		procs    []procman.Program
	}
	var all []built
	procsOf := make(map[*section][]procman.Program)
	byName := make(map[string]*section)
	for _, s := range p.ini.sections {
		name, ok := strings.CutPrefix(s.name, "program:")
		if !ok || programs[name] != s {
			continue
		}
		m, in := members[s]
		if g := p.ini.byName["group:"+name]; !in && g != nil {
			return nil, nil, errorAt(g.pos, g.name, "", "the group has the name of [%s], which is not in it; the two groups would clash", s.name)
		}
		procs, err := p.program(s, m.group, d)
		if err != nil {
			return nil, nil, err
		}
		for _, pr := range procs {
			if other := byName[pr.Name]; other != nil {
				return nil, nil, errorAt(s.pos, s.name, "process_name",
					"the process name %q is also one of [%s]; procman needs the names of processes to be unique", pr.Name, other.name)
			}
			byName[pr.Name] = s
		}
		procsOf[s] = procs
		b := built{sec: s, group: m.group, procs: procs}
		if !in {
			b.group = strings.TrimFunc(name, isSpace)
			if len(procs) > 0 {
				b.priority = procs[0].Priority
			} else if b.priority, err = get(p.reader(s), "priority", 999, parseInt); err != nil {
				return nil, nil, err
			}
		} else {
			b.priority = groupPriority(out, m.group)
		}
		all = append(all, b)
	}
	for i := range out {
		for _, sec := range inGroup[i] {
			for _, pr := range procsOf[sec] {
				out[i].Programs = append(out[i].Programs, pr.Name)
			}
		}
	}
	// supervisord starts its groups by priority, then name, and a group's
	// processes by their priority, those of one priority in the order of
	// the group (its programs= line, each program's processes in order).
	slices.SortStableFunc(all, func(a, b built) int {
		return cmp.Or(cmp.Compare(a.priority, b.priority), strings.Compare(a.group, b.group))
	})
	var progs []procman.Program
	for i := 0; i < len(all); {
		j := i
		var grp []procman.Program
		for ; j < len(all) && all[j].group == all[i].group; j++ {
			grp = append(grp, all[j].procs...)
		}
		order := make(map[string]int, len(grp))
		for _, g := range out {
			if g.Name == all[i].group {
				for k, name := range g.Programs {
					order[name] = k
				}
			}
		}
		slices.SortStableFunc(grp, func(a, b procman.Program) int {
			return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(order[a.Name], order[b.Name]))
		})
		progs = append(progs, grp...)
		i = j
	}
	return progs, out, nil
}

// groupPriority returns the priority of the group called name.
func groupPriority(groups []Group, name string) int {
	for _, g := range groups {
		if g.Name == name {
			return g.Priority
		}
	}
	return 999
}

// group reads a [group:x] section, records its programs in members, and
// returns their sections in the order of its programs= list.
func (p *parser) group(g *section, programs map[string]*section, members map[*section]member) (Group, []*section, error) {
	if err := p.checkKeys(g, kindKeys("group")); err != nil {
		return Group{}, nil, err
	}
	name, err := checkName(strings.TrimPrefix(g.name, "group:"))
	if err != nil {
		return Group{}, nil, errorAt(g.pos, g.name, "", "bad group name: %v", err)
	}
	r := p.reader(g)
	grp := Group{Name: name}
	if grp.Priority, err = get(r, "priority", 999, parseInt); err != nil {
		return Group{}, nil, err
	}
	list, v, err := r.value("programs")
	if err != nil {
		return Group{}, nil, err
	}
	if list == "" {
		p.warn(g.pos, g.name, "programs", "the group has no programs")
		return grp, nil, nil
	}
	var secs []*section
	for _, prog := range strings.Split(list, ",") {
		prog = strings.TrimFunc(prog, isSpace)
		s := programs[prog]
		if s == nil {
			return Group{}, nil, errorAt(v.pos, g.name, "programs", "there is no [program:%s]", prog)
		}
		if m, ok := members[s]; ok {
			return Group{}, nil, errorAt(v.pos, g.name, "programs",
				"%s is already in [%s]; supervisord would run it once in each group, procman runs a program in one group only", prog, m.section.name)
		}
		members[s] = member{group: name, section: g}
		secs = append(secs, s)
	}
	return grp, secs, nil
}

// program reads a [program:x] section into one Program per process.
func (p *parser) program(s *section, group string, d *Supervisord) ([]procman.Program, error) {
	if err := p.checkKeys(s, programKeys()); err != nil {
		return nil, err
	}
	name, err := checkName(strings.TrimPrefix(s.name, "program:"))
	if err != nil {
		return nil, errorAt(s.pos, s.name, "", "bad program name: %v", err)
	}
	if group == "" {
		group = name
	}
	base := p.reader(s)
	base.sc = base.sc.with(map[string]any{"program_name": name, "group_name": group})
	numprocs, err := get(base, "numprocs", 1, parseInt)
	if err != nil {
		return nil, err
	}
	if numprocs < 0 || numprocs > maxNumProcs {
		v := p.ini.lookup(s, "numprocs")
		return nil, errorAt(v.pos, s.name, "numprocs", "%d is not from 0 to %d", numprocs, maxNumProcs)
	}
	start, err := get(base, "numprocs_start", 0, parseInt)
	if err != nil {
		return nil, err
	}
	if start > 1<<30 || start < -(1<<30) {
		v := p.ini.lookup(s, "numprocs_start")
		return nil, errorAt(v.pos, s.name, "numprocs_start", "%d is out of range", start)
	}
	if numprocs == 0 {
		p.warn(s.pos, s.name, "numprocs", "numprocs is 0: the program has no processes")
	}
	if numprocs > 1 {
		v := p.ini.lookup(s, "process_name")
		if v == nil || !strings.Contains(v.text, "%(process_num)") {
			at := s.pos
			if v != nil {
				at = v.pos
			}
			return nil, errorAt(at, s.name, "process_name", "numprocs is %d, so process_name must contain %%(process_num)", numprocs)
		}
	}
	var procs []procman.Program
	for i := range numprocs {
		r := base
		r.sc = r.sc.with(map[string]any{"process_num": start + i, "numprocs": numprocs})
		pr, err := p.process(r, name, group, d, i == 0)
		if err != nil {
			return nil, err
		}
		if err := pr.Validate(); err != nil {
			return nil, wrapAt(s.pos, s.name, "", err, "procman refuses the program")
		}
		procs = append(procs, pr)
	}
	return procs, nil
}

// process reads the keys of a [program:x] section into the Program of one
// of its processes. first is set for the first process, so that warnings
// are given once.
func (p *parser) process(r reader, program, group string, d *Supervisord, first bool) (procman.Program, error) {
	s := r.s
	pr := procman.Program{}
	// The environment comes first: the other keys may expand ENV_ names
	// of it.
	env, err := get(r, "environment", nil, parseEnvironment)
	if err != nil {
		return pr, err
	}
	pr.Env = mergeEnv(d.Environment, env)
	if len(env) > 0 {
		vars := make(map[string]any, len(env))
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			vars["ENV_"+k] = v
		}
		r.sc = r.sc.with(vars)
	}

	name, err := get(r, "process_name", program, checkName)
	if err != nil {
		return pr, err
	}
	pr.Name = name
	if group != name {
		pr.Group = group
	}

	cmdline, v, err := r.value("command")
	if err != nil {
		return pr, err
	}
	if v == nil {
		return pr, errorAt(s.pos, s.name, "command", "the program has no command")
	}
	words, err := splitCommand(cmdline)
	if err == nil && len(words) == 0 {
		err = errors.New("the command is empty")
	}
	if err != nil {
		return pr, errorAt(v.pos, s.name, "command", "%v", err)
	}
	pr.Command = words[0]
	if len(words) > 1 {
		pr.Args = words[1:]
	}

	steps := []func() error{
		func() (err error) { pr.Priority, err = get(r, "priority", 999, parseInt); return },
		func() (err error) { pr.AutoStart, err = get(r, "autostart", true, parseBool); return },
		func() (err error) {
			pr.AutoRestart, err = get(r, "autorestart", procman.RestartUnexpected, parseAutoRestart)
			return
		},
		func() (err error) {
			pr.StartPeriod, err = get(r, "startsecs", time.Second, parseSeconds)
			if pr.StartPeriod <= 0 {
				pr.StartPeriod = at
			}
			return
		},
		func() (err error) {
			pr.StartRetries, err = get(r, "startretries", 3, parseInt)
			if pr.StartRetries <= 0 {
				pr.StartRetries = at
			}
			return
		},
		func() (err error) { pr.ExitCodes, err = get(r, "exitcodes", []int{0}, parseExitCodes); return },
		func() (err error) { pr.StopSignal, err = get(r, "stopsignal", syscall.SIGTERM, parseSignal); return },
		func() (err error) {
			pr.StopWait, err = get(r, "stopwaitsecs", 10*time.Second, parseSeconds)
			if pr.StopWait <= 0 {
				pr.StopWait = -1 // supervisord kills at once
			}
			return
		},
		func() error { return p.asGroup(r, &pr) },
		func() (err error) { pr.User, err = get(r, "user", "", checkUser); return },
		func() (err error) { pr.Dir, err = r.str("directory", ""); return },
		func() (err error) {
			pr.Umask, err = get(r, "umask", nil, func(s string) (*int, error) {
				n, err := parseUmask(s)
				return &n, err
			})
			return
		},
		func() (err error) { pr.RedirectStderr, err = get(r, "redirect_stderr", false, parseBool); return },
		func() (err error) { pr.Stdout, err = p.log(r, "stdout", name, d, first); return },
		func() (err error) { pr.Stderr, err = p.log(r, "stderr", name, d, first); return },
		func() (err error) { _, err = r.str("serverurl", ""); return },
		func() (err error) { pr.Backoff, err = backoff(r); return },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return pr, err
		}
	}
	if pr.RedirectStderr {
		if v := p.ini.lookup(s, "stderr_logfile"); v != nil && first && !isLogKeyword(v.text) {
			p.warn(v.pos, s.name, "stderr_logfile", "redirect_stderr is true, so stderr goes to the stdout log and this file is not used")
		}
		pr.Stderr = procman.Log{}
	}
	return pr, nil
}

// checkUser checks a user= value: a name or a number, not empty.
func checkUser(s string) (string, error) {
	t := strings.TrimFunc(s, isSpace)
	if t == "" {
		return "", errors.New("the user is empty")
	}
	return t, nil
}

// asGroup reads stopasgroup and killasgroup: killasgroup defaults to
// stopasgroup, and cannot be false when stopasgroup is true.
func (p *parser) asGroup(r reader, pr *procman.Program) error {
	stop, err := get(r, "stopasgroup", false, parseBool)
	if err != nil {
		return err
	}
	kill, err := get(r, "killasgroup", stop, parseBool)
	if err != nil {
		return err
	}
	if stop && !kill {
		v := p.ini.lookup(r.s, "killasgroup")
		return errorAt(v.pos, r.s.name, "killasgroup", "stopasgroup is true, so killasgroup cannot be false")
	}
	pr.StopAsGroup, pr.KillAsGroup = stop, kill
	return nil
}

// isLogKeyword reports whether a log file value is one of supervisord's
// words rather than a file name.
func isLogKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "", "none", "off", "auto", "syslog":
		return true
	}
	return false
}

// log reads the keys of one stream ("stdout" or "stderr") of a process
// called name.
func (p *parser) log(r reader, stream, name string, d *Supervisord, first bool) (procman.Log, error) {
	var l procman.Log
	key := stream + "_logfile"
	file, v, err := r.value(key)
	if err != nil {
		return l, err
	}
	if v == nil {
		file = "AUTO"
	}
	maxBytes, err := get(r, key+"_maxbytes", 50<<20, parseSize)
	if err != nil {
		return l, err
	}
	backups, err := get(r, key+"_backups", 10, parseInt)
	if err != nil {
		return l, err
	}
	syslog, err := get(r, stream+"_syslog", false, parseBool)
	if err != nil {
		return l, err
	}
	capture, err := get(r, stream+"_capture_maxbytes", 0, parseSize)
	if err != nil {
		return l, err
	}
	events, err := get(r, stream+"_events_enabled", false, parseBool)
	if err != nil {
		return l, err
	}
	warnAt := func(key, format string, args ...any) {
		if first {
			at := r.s.pos
			if v := p.ini.lookup(r.s, key); v != nil {
				at = v.pos
			}
			p.warn(at, r.s.name, key, format, args...)
		}
	}
	switch strings.ToLower(file) {
	case "", "none", "off":
	case "auto":
		l.File = filepath.Join(d.Childlogdir, fmt.Sprintf("%s-%s---%s-auto.log", name, stream, d.Identifier))
		if maxBytes == 0 {
			warnAt(key+"_maxbytes", "AUTO logging without rotation; set a maxbytes above 0 so that the log does not fill the disk")
		}
	case "syslog":
		warnAt(key, "%s=syslog is deprecated in supervisord, and procman has no syslog: the stream is discarded", key)
	default:
		l.File = p.expandUser(file)
	}
	if syslog {
		warnAt(stream+"_syslog", "procman does not send output to syslog; the key is ignored")
	}
	switch {
	case events:
		warnAt(stream+"_events_enabled", "output events only serve event listeners, which procman does not run; ignored")
	case capture > 0:
		warnAt(stream+"_capture_maxbytes", "capture mode only serves event listeners, which procman does not run; ignored")
	}
	l.MaxBytes, l.Backups = maxBytes, backups
	if l.MaxBytes <= 0 {
		l.MaxBytes = at
	}
	if l.Backups <= 0 {
		l.Backups = at
	}
	return l, nil
}

// mergeEnv returns base with over's entries added, an entry of over
// replacing one of base with the same key in its place.
func mergeEnv(base, over []string) []string {
	if len(base) == 0 && len(over) == 0 {
		return nil
	}
	env := slices.Clone(base)
	index := make(map[string]int, len(env))
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		index[k] = i
	}
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			env[i] = kv
		} else {
			index[k] = len(env)
			env = append(env, kv)
		}
	}
	return env
}

// backoff reads procman's own keys: backoff (linear, the default, or
// exponential), backoff_min, backoff_max and backoff_reset (seconds or Go
// durations), backoff_multiplier and backoff_jitter.
func backoff(r reader) (procman.Backoff, error) {
	var b procman.Backoff
	kind, err := get(r, "backoff", "linear", func(s string) (string, error) {
		switch t := strings.ToLower(s); t {
		case "linear", "exponential":
			return t, nil
		}
		return "", fmt.Errorf("%q is not linear or exponential", s)
	})
	if err != nil {
		return b, err
	}
	b.Linear = kind == "linear"
	nonNegative := func(s string) (time.Duration, error) {
		d, err := parseDuration(s)
		if err == nil && d < 0 {
			err = fmt.Errorf("%q is negative", s)
		}
		return d, err
	}
	if b.Min, err = get(r, "backoff_min", 0, nonNegative); err != nil {
		return b, err
	}
	if b.Max, err = get(r, "backoff_max", 0, nonNegative); err != nil {
		return b, err
	}
	if b.ResetAfter, err = get(r, "backoff_reset", 0, nonNegative); err != nil {
		return b, err
	}
	if b.Multiplier, err = get(r, "backoff_multiplier", 0, func(s string) (float64, error) {
		f, err := strconv.ParseFloat(strings.TrimFunc(s, isSpace), 64)
		if err != nil || !(f >= 1 && f <= 1e6) {
			return 0, fmt.Errorf("%q is not a number from 1 to 1000000", s)
		}
		return f, nil
	}); err != nil {
		return b, err
	}
	b.Jitter, err = get(r, "backoff_jitter", 0, func(s string) (float64, error) {
		f, err := strconv.ParseFloat(strings.TrimFunc(s, isSpace), 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return 0, fmt.Errorf("%q is not a number from 0 to 1", s)
		}
		if f == 0 {
			f = at // procman's "none"
		}
		return f, nil
	})
	return b, err
}
