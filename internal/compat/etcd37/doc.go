// Package etcd37 pins etcd 3.7 as a tool, in its own module so that the
// toolkit's go.mod stays free of etcd's dependencies. It has no code: its
// go.mod names go.etcd.io/etcd/server/v3 v3.7.3 in a tool directive, and
// `make etcd37` builds that server into bin/etcd-3.7 with
//
//	go build -o ../../../bin/etcd-3.7 go.etcd.io/etcd/server/v3
//
// run in this directory. `make test` then runs discovery/etcd's and
// discovery/rpcdisc's tests a second time with DMICRO_ETCD naming that
// binary (internal/etcdtest reads it), so the etcd registry is exercised
// against Debian's etcd 3.4 (on PATH) and against etcd 3.7.
package etcd37
