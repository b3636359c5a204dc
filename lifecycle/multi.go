package lifecycle

// Multi-process mode. With "mode = multi" in the [app] section (unix
// systems only; elsewhere the start fails with an error wrapping
// [ErrNotSupported]) the process that starts is the master: it runs no
// sandbox itself, and each service runs in a child process of its own,
// the app's binary started again for that service alone.
//
//   - The master binds the socket of every sandbox of every service
//     before it starts a child: the Network (tcp by default; udp, udp4
//     and udp6 bind a datagram socket for kcp and quic) and ListenAddr of
//     the sandbox's [sandbox.NAME] section. It never accepts on them; the
//     service's child gets them by inherited fd and serves them. So a
//     sandbox in multi-process mode must declare its fixed address there,
//     a net/http sandbox too, which reads it with
//     s.Config().String("ListenAddr", ...) and listens with
//     [BaseSandbox.Listen]. A sandbox without a ListenAddr (or with port
//     0) gets nothing bound: its child binds a socket of its own, which
//     the next child of a reload cannot take over while the old one holds
//     it. An address changed in the file takes a restart of the app. The
//     sandboxes of one service may share a socket; two services may not.
//   - The children run under a procman.Supervisor: they restart when they
//     crash (the same sockets, no connection refused meanwhile, since the
//     master holds them), with procman's back-off, and give up (FATAL)
//     after procman's failed starts in a row. Each child's output goes
//     into the master's log, line by line. The master is ready once every
//     child has reported ready on its pipe, in the order of the services;
//     a child that fails or exits first fails the start, with its reason,
//     and the others are stopped.
//   - A reload (the reload command, SIGHUP or SIGUSR2 to the master, ctl's
//     reload) replaces the children one service at a time: it starts a new
//     child with the same sockets, waits for its ready report (within the
//     reload timeout), then stops the old one gracefully: SIGTERM, and it
//     drains as a single-process app does (rpc peers are told going away,
//     calls in flight finish), with SIGKILL a second after the shutdown
//     timeout. A new child that fails is killed and the old one keeps
//     serving; the reload fails with the reason, and the services before
//     it keep their new children. The master itself stays, with its pid:
//     since each child executes the binary at the master's path again, a
//     new binary installed there is what the new children run. A service
//     stopped with ctl stays stopped through a reload.
//   - status and ctl show each child (Info.Children) and give each
//     sandbox its child's pid and state; ctl's start and stop of a service
//     or of one of its sandboxes start or stop the service's child.
//   - A stop (SIGTERM or SIGINT to the master, the stop command) stops
//     the children gracefully in the reverse order of the services, then
//     the master exits. Each child runs in a process group of its own; on
//     Linux the master is a child subreaper, so that what a child leaves
//     behind is found and killed too (see procman).

// childState is the state of a sandbox whose service's process is in
// state s (procman's name for it, as ChildInfo.State holds it).
func childState(s string) State {
	switch s {
	case "RUNNING":
		return Running
	case "STARTING", "BACKOFF":
		return Starting
	case "STOPPING":
		return Stopping
	case "STOPPED", "EXITED":
		return Stopped
	case "FATAL", "UNKNOWN":
		return Failed
	}
	return State(s)
}
