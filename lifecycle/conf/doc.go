// Package conf reads the configuration file of a dmicro app: the [app]
// section that tells the lifecycle package how to run the program, a
// [sandbox.NAME] section per sandbox that maps onto an rpc.Config, and
// the program's own sections, each with overlays per environment ("dev",
// "prod") and overrides from environment variables. It is written on the
// standard library alone.
//
// [Load] (or [Parse], for text already read) returns a [File]; its
// [File.App] is the [app] section decoded, [File.Sandbox] a sandbox's
// [Section], whose [Section.Endpoint] is the rpc.Config to build the
// sandbox's endpoint from, and [File.Section] any other section, which
// the program reads with the accessors of Section or fills a struct from
// with [Section.Decode]. See the examples.
//
// A File and its Sections are never changed once made, and are safe for
// concurrent use. The package keeps no state of its own: a reload is a new
// Load.
//
// # The format
//
// A file is UTF-8 text made of lines (LF or CRLF; a byte order mark at the
// start is skipped):
//
//	# a comment, and
//	; a comment too
//	[app]
//	mode = single            ; single | multi
//	pid = /run/math.pid
//	log = /var/log/math.log
//	log_max_bytes = 50MiB
//	log_backups = 5
//	shutdown_timeout = 15s
//	reload_timeout = 1m
//	http =                   ; status page address, empty = off
//	debug = false
//
//	[sandbox.DRpcSandBox]
//	Network = tcp
//	ListenAddr = :9091
//	ReadTimeout = 30s
//	LogCalls = true
//
//	[sandbox.DRpcSandBox @dev]   ; applied over [sandbox.DRpcSandBox] when the env is "dev"
//	ListenAddr = 127.0.0.1:9091
//
//	[app @dev]
//	debug = true
//
//	[math]                      ; any other section is the program's own
//	Precision = 3
//
// Each line, blanks around it aside, is one of:
//
//   - Empty, or a comment: a line that starts with '#' or ';'.
//   - A section header, "[NAME]", or an overlay header, "[NAME @ENV]",
//     then blanks or a comment. A name is made of printable characters
//     other than white space, brackets, double quotes and '@'; names are
//     case-sensitive. "app" is the app's section, "sandbox.NAME" that of
//     the sandbox whose Name() is NAME, any other name the program's own.
//   - "key = value": the key sets a value in the section of the last
//     header above it. A key is made of ASCII letters, digits and
//     underscores; keys compare without regard to case or underscores, so
//     that ListenAddr, listen_addr and LISTENADDR are one key.
//
// A value is the rest of the line after '=', blanks around it trimmed, up
// to a comment: a '#' or ';' at the start of the value or after a space or
// tab ("a=b;c" is "b;c", "a=b ;c" is "b"). A value that starts with a
// double quote is a Go string literal, read by strconv.Unquote, that may
// be followed by a comment only: in `key = "a ; b"  ; note` the value is
// "a ; b", and "line\nbreak" holds a newline.
// An empty value ("http =") is a value: for a string it is the empty
// string, for a list the empty list, and for a number, duration, size or
// bool it means the key is not set (the default applies), so an overlay
// can unset what its base sets.
//
// What a value means depends on its key:
//
//   - Durations are Go durations: "30s", "1m30s", "250ms", "-1s". A bare
//     integer other than 0 is an error: its unit would be a guess.
//   - Sizes are byte counts: an integer with an optional unit, B, KB, MB,
//     GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), in
//     any case, with an optional space: "512", "64KiB", "50 MB", "-1".
//   - Bools are true/false, 1/0, yes/no, on/off, in any case.
//   - Integers are decimal, floats as strconv.ParseFloat reads them.
//   - Lists are comma-separated, each item trimmed, empty items dropped.
//
// These are errors: a line that is none of the above, a header that
// cannot be read, an empty key, a key before the first header ([ErrSyntax]);
// a section or overlay given twice, a key given twice in one section or
// overlay ([ErrDuplicate]).
//
// # Overlays and the environment
//
// [Parse] and [Load] take an environment name: the overlays [NAME @ENV] of
// that environment are applied over their sections, key by key, wherever
// they are in the file (an overlay of a section the file does not have
// adds it). An empty environment name applies none. The overlays of
// other environments are read and checked all the same, so that a typo in
// the production overlay fails in development too.
//
// Then the environment variables (environ, as os.Environ returns it)
// override keys: DMICRO_<SECTION>_<KEY>=VALUE sets KEY in SECTION, where
// SECTION is the section's name upper-cased with every character but an
// ASCII letter or digit turned into '_', and KEY the key in any of its
// spellings, upper-cased:
//
//	DMICRO_SANDBOX_DRPCSANDBOX_LISTENADDR=127.0.0.1:9092
//	DMICRO_SANDBOX_DRPCSANDBOX_LISTEN_ADDR=127.0.0.1:9092
//	DMICRO_APP_DEBUG=true
//
// A variable may add a key to a section of the file, or to [app] whether
// the file has it or not; a variable that names no such section is not
// for this file and is left alone. Where two section names could match,
// the longest wins; two sections that turn into the same SECTION
// ([a.b] and [a_b]) make a variable naming them an error. The variable's
// value is taken as it is: no trimming, quotes or comments. A variable
// given twice in environ counts with its last value.
//
// # Checks and errors
//
// At load, every key of [app] and of the [sandbox.NAME] sections and
// overlays must be known, and its value of its kind; a sandbox's TLSCert
// and TLSKey must come together. The program's own sections are checked
// when it decodes them. An unknown key is an error matching
// [ErrUnknownKey] that suggests the nearest known key ("did you mean
// ListenAddr?"); a bad value one matching [ErrBadValue].
//
// Every fault is an [*Error] that names where it came from, and Load and
// Parse return them all, joined:
//
//	conf: math.conf:14: key "ReadTimout": unknown key in [sandbox.DRpcSandBox], did you mean ReadTimeout?
//	conf: environment DMICRO_APP_DEBUG: key "debug": bad value "maybe": not a bool (true, false, 1, 0, yes, no, on, off)
//
// # The [app] section
//
// Its keys are those of [App]: mode (single or multi), pid, log,
// log_max_bytes (a size), log_backups, shutdown_timeout, reload_timeout,
// http (the status page's address, empty for none) and debug. An absent
// key leaves the zero value, for the lifecycle package to replace with its
// default.
//
// # The [sandbox.NAME] sections
//
// Their keys are the rpc.Config fields that a file can set; an absent key
// leaves the zero value, which rpc replaces with its default:
//
//	Network, ListenAddr, DefaultCodec                         strings
//	DialTimeout, HandshakeTimeout, FirstFrameTimeout,
//	WriteTimeout, IdleTimeout, ReadTimeout, SlowCallThreshold durations
//	RedialAttempts                                            Redial.Attempts
//	RedialMinDelay, RedialMaxDelay, RedialStableAfter         Redial's durations
//	RedialMultiplier, RedialJitter                            Redial's floats
//	Format                                                    raw, json, pb, http or jsonrpc
//	Formats                                                   a list of those: one port serving several
//	DefaultFilters                                            a list of filter names
//	MaxMessageSize, MemoryBudget, MaxMetadataBytes            sizes
//	MaxMetadataPairs, MaxHandlers, MaxQueuedHandlers,
//	MaxSessionHandlers, MaxSessionQueuedHandlers,
//	MaxConns, MaxConnsPerPeer                                 integers
//	LogCalls, LogMetaValues                                   bools
//	TLSCert, TLSKey                                           PEM files: the certificate chain and its key
//
// What only code can set (Transport, Codecs, Filters, Upgraders, PeerKey,
// Logger, the Redial callbacks) the program sets on the Config that
// [Section.Endpoint] returns. Paths, here and in [app], are taken as
// written: a relative one is relative to the process's working directory.
package conf
