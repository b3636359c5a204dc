// Package conf reads supervisord's configuration file format into
// procman's types, so that a configuration written for supervisord (4.2)
// runs under procman as it is.
//
// [Load] reads a file and the files it includes; [Parse] reads from an
// io.Reader (a test's string, or standard input). Both return a [File]:
// the [supervisord], [unix_http_server], [inet_http_server] and
// [supervisorctl] sections as structs with supervisord's defaults filled
// in, one [procman.Program] per process of the [program:x] sections, the
// [group:x] sections, and warnings. Every error wraps [ErrConfig] and is an
// [*Error] that names the file, the line and the key, as in
//
//	conf: supervisord.conf:12: [program:web] startsecs: "abc" is not an integer
//
// Load and Parse share no state and may run concurrently.
//
// # Format
//
// The format is supervisord's INI dialect, that of Python's configparser as
// supervisord sets it up: "key = value" or "key: value"; keys are
// case-insensitive, section names are not; ';' and '#' start a comment on
// a line of their own, and within a line only after white space ("a=b ;c"
// has a comment, "a=b;c" has none); an indented line continues the value
// above it; a section that appears twice, in one file or across included
// files, is one section, the last value of a key winning; [DEFAULT] gives
// its keys to every section that lacks them. A leading byte order mark is
// skipped. Every key of a known section must be one procman knows: an
// unknown key is an error, where supervisord ignores it.
//
// # Expansions
//
// Every value of the known sections is expanded as Python's "%" operator
// does with supervisord's names: %(name)s, with printf's flags, width and
// precision ("%(process_num)02d"), and "%%" for a '%'. The names are
//
//	here            the absolute directory of the file the line is in
//	ENV_X           the environment variable X; in sections after it, also
//	                the [supervisord] environment, and in a program the
//	                program's own environment (in its keys but environment)
//	host_node_name  the host name
//	program_name    in [program:x]: x
//	group_name      in [program:x]: its [group:y] y, or x
//	process_num     in [program:x]: the process's number, numprocs_start on
//	numprocs        in [program:x]: numprocs
//
// supervisord offers some names only in some keys (process_num only in
// command, process_name, environment, directory and the log keys, for
// example); procman offers every name in every key of the section, which
// accepts every value supervisord accepts. One difference: supervisord
// expands stdout_logfile and stderr_logfile twice, so that a "%%" in them
// fails there; procman expands them once.
//
// # Programs
//
// A [program:x] section becomes one procman.Program for each of its
// processes: numprocs=3 with process_name=%(program_name)s_%(process_num)d
// gives the Programs x_0, x_1 and x_2, each with NumProcs left at zero
// (one process). The Program's Name is the process's name, and its Group
// is supervisord's group, "x" or the [group:y] the program is in, unless
// the group and the process have the same name, where Group is empty. So
// processes are addressed "x:x_0" as in supervisorctl. procman cannot
// expand %(process_num) itself in the command, environment, directory and
// log files, which differ from process to process; hence one Program each.
// Process names must be unique across the file, which supervisord asks
// only within a group. File.Programs are in the order supervisord starts
// its groups (by the group's priority, then its name) and, within a group,
// by priority, then in the group's order: its programs= line, and each
// program's processes by process_num.
//
// The keys of [program:x] map onto procman.Program as follows; where
// supervisord's zero means "at once" or "none" and procman's zero means
// "the default", the parser writes procman's "none" explicitly.
//
//	command                  Command and Args, split as Python's shlex.split:
//	                         quotes, backslashes; no shell. Required
//	process_name             Name (default %(program_name)s); must contain
//	                         %(process_num) when numprocs > 1
//	numprocs, numprocs_start one Program per process (numprocs 0 to 4096)
//	priority                 Priority, default 999
//	autostart                AutoStart, default true
//	startsecs                StartPeriod, default 1 s; 0 (RUNNING at once)
//	                         is -1
//	startretries             StartRetries, default 3; 0 (FATAL at the first
//	                         failed start) is -1
//	autorestart              AutoRestart: true, false, unexpected (default)
//	exitcodes                ExitCodes, default 0; empty means none expected
//	stopsignal               StopSignal: a name (TERM, sigterm) or number
//	stopwaitsecs             StopWait, default 10 s; 0 is -1: kill at once
//	stopasgroup, killasgroup StopAsGroup, KillAsGroup; killasgroup defaults
//	                         to stopasgroup and cannot be false with it true
//	user                     User, as written (not looked up here)
//	redirect_stderr          RedirectStderr; the stderr log is then unused
//	stdout_logfile           Stdout.File: a path ("~" expanded), NONE or OFF
//	                         (discard), or AUTO, the default: a file in
//	                         childlogdir named
//	                         NAME-stdout---IDENTIFIER-auto.log
//	stdout_logfile_maxbytes  Stdout.MaxBytes: 50MB, 1KB, 1GB or bytes;
//	                         default 50MB; 0 (never rotated) is -1
//	stdout_logfile_backups   Stdout.Backups, default 10; 0 (none kept) is -1
//	stderr_*                 the same, into Stderr
//	environment              Env: KEY="val",KEY2=val2, under the
//	                         [supervisord] environment; see below
//	directory                Dir
//	umask                    Umask, octal (022, 0o22)
//
// These supervisord keys are checked and accepted, and have no effect:
// stdout_syslog and stderr_syslog (procman has no syslog: a warning when
// true, and stdout_logfile=syslog discards the stream with a warning);
// stdout_capture_maxbytes, stdout_events_enabled and their stderr twins
// (they serve event listeners, which procman does not run: a warning when
// set to do something); serverurl (it only sets SUPERVISOR_SERVER_URL for
// supervisord's childutils).
//
// supervisord waits n seconds before the n-th retry of a failed start; the
// parser sets Backoff.Linear to do the same. These keys are procman's own,
// which supervisord does not have:
//
//	backoff             linear (default) or exponential: Backoff.Linear
//	backoff_min         Backoff.Min, seconds or a Go duration ("500ms")
//	backoff_max         Backoff.Max, the same
//	backoff_reset       Backoff.ResetAfter, the same
//	backoff_multiplier  Backoff.Multiplier, from 1
//	backoff_jitter      Backoff.Jitter, from 0 (none: -1) to 1
//
// A backoff key left out, or a duration of 0, leaves procman's default.
//
// The environment value is lexed as supervisord lexes it (Python's
// non-POSIX shlex): an unquoted value holds letters, digits and
// "_/.+-():" only, and anything else needs quotes, '...' or "..." (no
// escapes within). supervisord silently takes any token between two pairs
// as their separator, so that "A=a b" sets A to "a"; procman asks for a
// ',' and refuses the rest.
//
// A [group:x] section's programs= puts the processes of those programs in
// group x, their Group; its priority= is kept in [Group], and orders
// File.Programs, but
// procman itself orders programs by their own priority only. supervisord
// runs a program named in two groups once in each; procman refuses it, and
// a [group:x] whose name is that of a program not in it.
//
// # Other sections
//
// [include] files= lists patterns, separated by white space, relative to
// the directory of the file that has the section; each pattern's matches
// are read in sorted order, and a pattern that matches nothing is a
// warning. Included files may include files in turn (supervisord reads
// only the main file's [include]); a file that includes itself, through
// any chain, is an error.
//
// [rpcinterface:supervisor] is accepted and needs nothing; another
// [rpcinterface:x] is ignored with a warning. [eventlistener:x] and
// [fcgi-program:x] are refused: the error also wraps
// errors.ErrUnsupported. [ctlplugin:x] and sections supervisord does not
// know are ignored with a warning, as supervisord ignores them.
//
// Unlike supervisord, procman looks nothing up while it parses: it does not
// check that users exist, or that the directories of log files do.
// A file without [supervisord] is accepted, with its defaults. A key of
// [DEFAULT] that no section has is an error.
//
// # Limits
//
// numprocs is at most 4096; includes nest at most 32 files deep; a value
// expands to at most 128 KiB, and all the values of a configuration (a
// program's once per process) to at most 32 MiB, so that a small file
// cannot take gigabytes.
//
// See the Examples for a small configuration parsed from a string, and an
// error.
package conf
