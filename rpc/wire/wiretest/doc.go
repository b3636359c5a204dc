// Package wiretest is the conformance suite of the length-prefixed frame
// formats: the behaviours that raw, json and pb, and any format whose
// framer reads with [wire.FrameReader], must keep. [Run] checks round
// trips of every message type and field, the size limit in both
// directions (a frame over it refused from its length field, before
// anything is allocated, and the stream kept in step), the end of the
// stream at and inside a frame, the frames a format refuses or accepts
// although its writer never makes them, and the allocations of a read
// and a write. A format is tested by one call:
//
//	func TestSuite(t *testing.T) {
//		wiretest.Run(t, raw.Format{}, wiretest.Options{Name: "raw", ReadAllocs: ...})
//	}
//
// The package also holds what the formats' own tests share: messages and
// their comparison ([NewMessage], [Encode], [Options.Diff]), a reader of
// the same bytes again and again ([Cycle]), fuzz targets ([FuzzReads],
// [CheckRoundTrip]), benchmarks ([BenchFormats]), the read-and-reply step
// of a server ([ReadReplyAllocs], [BenchReadReply]), the check of a
// Sniffer ([CheckSniff]) and of the worked examples of a FORMAT.md
// ([CheckExamples]).
//
// It is meant for tests only: every function that takes a testing.TB fails
// the test on error.
package wiretest
