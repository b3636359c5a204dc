// Package leakcheck finds goroutines and file descriptors that tests leave
// behind. It uses only the standard library.
//
// [Main] checks a whole test binary: after every test and example has run,
// it fails the binary if goroutines of ours are still alive. [Check] checks
// one test: when the test ends it fails the test if goroutines started since
// [Check] was called are still alive, or if (on Linux) more file descriptors
// are open than at the start.
//
// Goroutines are read from [runtime.Stack] with all set and named by the
// id in their "goroutine N [" header. Goroutines take a moment to exit after
// the last Close, so both checks retry for up to 5 s before they report.
//
// These goroutines never count as leaks:
//   - the goroutine doing the check;
//   - test goroutines: stacks running testing.tRunner or testing.fRunner,
//     which includes other tests running in parallel and tests waiting for
//     their subtests, and the test main (testing.(*M), testing.Main);
//   - goroutines whose every frame, including the "created by" frame, is in
//     the runtime, the testing package, os/signal or a std internal package,
//     such as os/signal.signal_recv, runtime/trace readers, runtime.goexit
//     alone, and (with GOTRACEBACK=system) the runtime's own workers.
//
// These file descriptors never count as leaks: the one used to list
// /proc/self/fd, and the epoll and eventfd descriptors the runtime's network
// poller opens, once, on first use of the network.
//
// Check cannot tell which test started a goroutine. In a test that runs in
// parallel with others that start goroutines or open files, it may blame the
// test for what the others leave running while it ends. Use it in tests that
// do not call t.Parallel, or accept that limit.
package leakcheck
